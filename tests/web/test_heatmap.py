"""The pairwise majority heatmap beyond the big screen's 12 items: console and outcome page.

Three phones: two rank the items 1, 2, ..., n and one the other way round, so for every pair
67% put the lower-numbered item above the other and 33% the reverse; the consensus is 1..n.
"""

from __future__ import annotations

from factories import parse_html, voted_session

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession


def _titles(count):
    return [f"Principe {i + 1:02d}" for i in range(count)]


def _voted(app, count, close=True):
    forward = list(range(count))
    ids = voted_session(
        app, items=_titles(count), orders=[forward, forward, forward[::-1]], close=close
    )
    with app.app_context():
        ids["code"] = db.session.get(RankingSession, ids["session_id"]).join_code
    return ids


def _figure(page, selector):
    return parse_html(page).select_one(f"[data-heatmap='{selector}']")


def _matrix(figure):
    """The text alternative: per row its title and percentages."""
    rows = []
    for tr in figure.select(".pairwise-table tbody tr"):
        rows.append([tr.th.get_text(strip=True)] + [td.get_text() for td in tr.select("td")])
    return rows


def test_the_outcome_page_draws_the_heatmap_for_seventeen_items(app, client, login):
    ids = _voted(app, 17)
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    figure = _figure(page, "outcome-heatmap")
    # numbered in consensus order, with the titles in the list beside it
    assert [li.get_text(strip=True) for li in figure.select(".pairwise-legend li")] == _titles(17)
    svg = figure.select_one("svg")
    assert [t.get_text() for t in svg.select(".pw-label")][:4] == ["1", "1", "2", "2"]
    rects = svg.select("rect")
    assert len(rects) == 17 * 17
    # every cell says what it means; above the diagonal a majority (blue), below a minority
    assert rects[1].title.get_text() == "67% zet ‘Principe 01’ boven ‘Principe 02’"
    assert rects[17].title.get_text() == "33% zet ‘Principe 02’ boven ‘Principe 01’"
    assert rects[1]["class"] == ["hm-3"] and rects[17]["class"] == ["hm-1"]
    assert "hm-self" in rects[0]["class"]
    # too many for numbers in the cells: the table carries them
    assert svg.select(".pw-value") == []
    matrix = _matrix(figure)
    assert matrix[0] == ["1. Principe 01", "–"] + ["67"] * 16
    assert matrix[16] == ["17. Principe 17"] + ["33"] * 16 + ["–"]


def test_thirty_items_still_get_a_heatmap_and_the_screen_leaves_it_to_the_console(
    app, client, login
):
    ids = _voted(app, 30)
    screen = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"})
    assert 'data-insight="heatmap"' not in screen.get_data(as_text=True)
    login()
    console = client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    details = parse_html(console).select_one("[data-console='heatmap']")
    assert "alleen hier" in details.summary.get_text()
    figure = details.select_one("[data-heatmap='console-heatmap']")
    assert len(figure.select("svg rect")) == 900
    assert len(figure.select(".pairwise-legend li")) == 30
    assert _matrix(figure)[29][0] == "30. Principe 30"
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    assert len(_figure(page, "outcome-heatmap").select("svg rect")) == 900


def test_a_small_round_keeps_its_heatmap_on_the_screen_and_numbers_in_the_cells(app, client, login):
    ids = _voted(app, 4)
    screen = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"})
    assert 'data-insight="heatmap"' in screen.get_data(as_text=True)
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    values = [t.get_text() for t in _figure(page, "outcome-heatmap").select(".pw-value")]
    assert values == ["67", "67", "67", "33", "67", "67", "33", "33", "67", "33", "33", "33"]
    console = client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    summary = parse_html(console).select_one("[data-console='heatmap'] summary").get_text()
    assert "alleen hier" not in summary
