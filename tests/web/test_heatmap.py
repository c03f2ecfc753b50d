"""The pairwise majority heatmap at every round size: big screen, console and outcome page.

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
    return _matrix_rows(figure.select(".pairwise-table tbody tr"))


def _matrix_rows(rows):
    return [[tr.th.get_text(strip=True)] + [td.get_text() for td in tr.select("td")] for tr in rows]


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


def _screen_figure(client, code):
    body = client.get(f"/scherm/{code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    return parse_html(body).select_one("[data-heatmap='screen-heatmap']")


def test_thirty_items_get_a_heatmap_on_the_screen_the_console_and_the_outcome_page(
    app, client, login
):
    ids = _voted(app, 30)
    figure = _screen_figure(client, ids["code"])
    assert figure["data-insight"] == "heatmap"
    rects = figure.select("svg rect")
    assert len(rects) == 900
    # above the diagonal a majority (67%: light blue), below a minority (33%: light orange)
    assert [r["class"] for r in rects[:3]] == [["hm-2", "hm-self"], ["hm-3"], ["hm-3"]]
    assert rects[30]["class"] == ["hm-1"] and rects[899]["class"] == ["hm-2", "hm-self"]
    # the rows and columns carry the list's places: the first and every fifth, large
    labels = [t.get_text() for t in figure.select("svg .pw-label")]
    assert labels == [p for p in ("1", "5", "10", "15", "20", "25", "30") for _axis in (0, 1)]
    assert figure.select_one("svg g")["font-size"] == "1.702"
    # no numbers in the cells and no tooltips on the screen: the table says every number
    assert figure.select(".pw-value") == [] and figure.select("rect title") == []
    matrix = _matrix_rows(figure.select("table tbody tr"))
    assert len(matrix) == 30
    assert matrix[0] == ["1. Principe 01", "–"] + ["67"] * 29
    assert matrix[14] == ["15. Principe 15"] + ["33"] * 14 + ["–"] + ["67"] * 15
    assert matrix[29] == ["30. Principe 30"] + ["33"] * 29 + ["–"]
    assert [th.get_text() for th in figure.select("table thead th.num")] == [
        str(i) for i in range(1, 31)
    ]
    login()
    console = client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    details = parse_html(console).select_one("[data-console='heatmap']")
    assert details.summary.get_text(strip=True) == "Twee aan twee: de paarsgewijze meerderheden"
    figure = details.select_one("[data-heatmap='console-heatmap']")
    assert len(figure.select("svg rect")) == 900
    assert len(figure.select(".pairwise-legend li")) == 30
    assert _matrix(figure)[29][0] == "30. Principe 30"
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    assert len(_figure(page, "outcome-heatmap").select("svg rect")) == 900


def test_the_screen_numbers_every_row_up_to_twelve_items_and_every_fifth_beyond(app, client):
    for count, labels in (
        (12, [str(i) for i in range(1, 13)]),
        (13, ["1", "5", "10"]),
        (17, ["1", "5", "10", "15"]),
    ):
        figure = _screen_figure(client, _voted(app, count)["code"])
        assert len(figure.select("svg rect")) == count * count, count
        assert [t.get_text() for t in figure.select("svg .pw-label")] == [
            label for label in labels for _axis in (0, 1)
        ], count
        matrix = _matrix_rows(figure.select("table tbody tr"))
        assert matrix[count - 1] == [f"{count}. Principe {count:02d}"] + ["33"] * (count - 1) + [
            "–"
        ]


def test_the_screen_labels_are_the_places_with_ties_as_on_the_list(app, client):
    """Two phones, one each way: all items tie (1=, 1=, 1=), every pair 50 : 50."""
    titles = _titles(3)
    ids = voted_session(app, items=titles, orders=[[0, 1, 2], [2, 1, 0]])
    with app.app_context():
        code = db.session.get(RankingSession, ids["session_id"]).join_code
    body = client.get(f"/scherm/{code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    places = parse_html(body).select('[data-result="kemeny"] .place')
    assert [p.get_text(strip=True) for p in places] == ["1=", "1=", "1="]
    figure = parse_html(body).select_one("[data-heatmap='screen-heatmap']")
    assert [t.get_text() for t in figure.select("svg .pw-label")] == ["1="] * 6
    # up to 6 items the percentages are in the cells: 50% everywhere, the middle colour
    assert [t.get_text() for t in figure.select("svg .pw-value")] == ["50"] * 6
    assert {r["class"][0] for r in figure.select("svg rect")} == {"hm-2"}
    assert _matrix_rows(figure.select("table tbody tr"))[0][:3] == ["1=. " + titles[0], "–", "50"]


def test_a_small_round_keeps_its_heatmap_on_the_screen_and_numbers_in_the_cells(app, client, login):
    ids = _voted(app, 4)
    figure = _screen_figure(client, ids["code"])
    values = ["67", "67", "67", "33", "67", "67", "33", "33", "67", "33", "33", "33"]
    assert [t.get_text() for t in figure.select(".pw-value")] == values
    assert [t.get_text() for t in figure.select("svg .pw-label")] == [
        p for p in "1234" for _axis in (0, 1)
    ]
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    assert [t.get_text() for t in _figure(page, "outcome-heatmap").select(".pw-value")] == values


def test_the_screen_heatmap_is_exact_at_five_thousand_ballots_and_thirty_items(app, client):
    """3,001 phones rank 1..30, 1,999 the other way round: 60.02% and 39.98% for every pair."""
    forward = list(range(30))
    ids = voted_session(app, items=_titles(30), orders=[forward] * 3001 + [forward[::-1]] * 1999)
    with app.app_context():
        code = db.session.get(RankingSession, ids["session_id"]).join_code
    body = client.get(f"/scherm/{code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert parse_html(body).select_one('[data-count="voted"] strong').get_text() == "5000"
    figure = parse_html(body).select_one("[data-heatmap='screen-heatmap']")
    matrix = _matrix_rows(figure.select("table tbody tr"))
    assert [row[0] for row in matrix] == [f"{i}. {t}" for i, t in enumerate(_titles(30), 1)]
    for i, row in enumerate(matrix):
        assert row[1:] == ["40"] * i + ["–"] + ["60"] * (29 - i)
    # 60% is a majority (56-70%), 40% a minority (30-44%)
    shades = [r["class"][0] for r in figure.select("svg rect")]
    assert shades[1] == "hm-3" and shades[30] == "hm-1"
