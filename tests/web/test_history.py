"""An item's rank over time (a server-rendered SVG), and two outcomes compared side by side."""

from __future__ import annotations

from datetime import date

from factories import (
    catalogue_session,
    close_round,
    open_round,
    outcomes,
    parse_html,
    revote,
    run_round,
)

from hhu_ranking.extensions import db
from hhu_ranking.models import Outcome
from hhu_ranking.services import history

# the "waarden" list: Mensgericht, Missiegedreven, Publiek-privaat, Zelfsturend, Regiobreed,
# Designbewust (indexes 0..5)
FIRST = [0, 1, 2, 3, 4, 5]
MIDDLE = [1, 2, 0, 3, 4, 5]
LAST = [1, 2, 3, 4, 5, 0]


def _three_sessions(app):
    """Mensgericht ranked 1st in 2023, 3rd in 2024, 6th in 2025."""
    made = []
    for held_on, order in (
        (date(2023, 3, 14), FIRST),
        (date(2024, 5, 21), MIDDLE),
        (date(2025, 6, 3), LAST),
    ):
        ids = catalogue_session(app, held_on, title=f"Netwerkbijeenkomst {held_on.year}")
        run_round(app, ids["round_id"], [order, order])
        made.append(ids)
    return made


def test_item_history_draws_one_point_per_session(app, client, login):
    made = _three_sessions(app)
    # a session that ranked other things does not add a point
    other = catalogue_session(app, date(2024, 1, 9), list_key="spelregels")
    run_round(app, other["round_id"], [[0, 1, 2, 3, 4, 5]])
    login()

    mensgericht = made[0]["catalogue_item_ids"][0]
    page = client.get(f"/uitkomsten/onderdeel/{mensgericht}").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<circle") == 3
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    # rank 1 is drawn highest: the y coordinates grow with the rank
    points = parse_html(svg).select("circle.point")
    assert all(float(point["cx"]) >= 0 for point in points)
    ys = [float(point["cy"]) for point in points]
    assert len(ys) == 3
    assert ys[0] < ys[1] < ys[2]
    # and the same numbers are in a table for everyone who cannot see the chart
    table = page[page.index("<table") :]
    for expected in (
        "1 van 6",
        "3 van 6",
        "6 van 6",
        "Netwerkbijeenkomst 2023",
        "Netwerkbijeenkomst 2025",
    ):
        assert expected in table, expected


def test_history_uses_the_newest_version_of_a_round(app):
    ids = catalogue_session(app, date(2024, 2, 1))
    participants = run_round(app, ids["round_id"], [FIRST, FIRST])
    open_round(app, ids["round_id"])
    for participant in participants:
        revote(app, ids["round_id"], participant, LAST)
    close_round(app, ids["round_id"])
    with app.app_context():
        points = history.item_history(db.session, ids["catalogue_item_ids"][0])
    assert [(p.rank, p.version_number) for p in points] == [(6, 2)]


def test_items_ranked_before_are_listed(app, client, login):
    _three_sessions(app)
    login()
    page = client.get("/uitkomsten/").get_data(as_text=True)
    assert "Mensgericht" in page and "3 rondes" in page


def test_comparison_marks_rank_changes_with_arrows_and_numbers(app, client, login):
    made = _three_sessions(app)
    a = outcomes(app, made[0]["round_id"])[0]
    b = outcomes(app, made[2]["round_id"])[0]
    login()
    page = client.get(f"/uitkomsten/vergelijken?a={a['id']}&b={b['id']}").get_data(as_text=True)
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = {
        row.split('<th scope="row">')[1].split("</th>")[0].strip(): row
        for row in body.split("<tr")[1:]
    }
    # Mensgericht fell from 1 to 6; Missiegedreven climbed from 2 to 1; nothing stayed put
    assert "▼" in rows["Mensgericht"] and "5" in rows["Mensgericht"]
    assert "plaatsen gezakt" in rows["Mensgericht"]
    assert "▲" in rows["Missiegedreven"] and "1" in rows["Missiegedreven"]
    assert "plaats gestegen" in rows["Missiegedreven"]
    assert "dir-down" in rows["Mensgericht"] and "dir-up" in rows["Missiegedreven"]


def test_comparison_matches_own_items_by_title(app, make_session):
    first = make_session(items=("Samen uit, samen thuis", "Lachen mag", "Delen, durven, doen"))
    second = make_session(items=("Lachen mag", "Samen uit, samen thuis", "Transparant in alles"))
    run_round(app, first["round_id"], [[0, 1, 2]])
    run_round(app, second["round_id"], [[0, 1, 2]])
    with app.app_context():
        a = db.session.get(Outcome, outcomes(app, first["round_id"])[0]["id"])
        b = db.session.get(Outcome, outcomes(app, second["round_id"])[0]["id"])
        rows = {r.title: (r.rank_a, r.rank_b, r.direction) for r in history.compare(a, b)}
    assert rows == {
        "Lachen mag": (2, 1, "up"),
        "Samen uit, samen thuis": (1, 2, "down"),
        "Transparant in alles": (None, 3, "new"),
        "Delen, durven, doen": (3, None, "gone"),
    }
