"""Who thinks what, after the round: the breakdown on outcome pages, in exports and the API,
and the privacy floor on the ballot export's pillar column.

As in ``test_breakdown``: ``voted_session`` gives phone i the i-th pillar of six and
alternates a founder (Gemeente Utrecht) and a typed-in organisation without a tier. The
phones of the first pillar (Praktijk en uitvoering, i % 6 == 0) vote C, B, A; everyone else
A, B, C. With 18 phones: overall Borda A 30, B 18, C 6 (A, B, C); Praktijk (3) puts A on 3,
C on 1; the nine founders (odd i) agree with the room.
"""

from __future__ import annotations

import csv
import io

import pytest
from factories import (
    KERNGROEP,
    close_round,
    open_round,
    parse_html,
    revote,
    texts,
    voted_session,
)
from jsonschema import Draft202012Validator
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, Round
from hhu_ranking.services.exports import floor_groups

ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")
PILLARS = (
    "Praktijk en uitvoering",
    "Onderzoek en onderwijs",
    "Beleid en bestuur",
    "Innovatie en ontwerp",
    "Starten en ondernemen",
    "Participatie en gebruik",
)


def _orders(count):
    return [[2, 1, 0] if i % 6 == 0 else [0, 1, 2] for i in range(count)]


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# -- the ballot export's pillar column -----------------------------------------------------


def test_pillars_of_three_voters_stay_in_the_ballot_export(app, client, login):
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    login()
    ballots = _csv_rows(client.get(f"/export/ronde/{ids['round_id']}/stemmen.csv").data)
    assert [b["Pijler"] for b in ballots] == [PILLARS[i % 6] for i in range(18)]


def test_a_pillar_under_the_floor_reads_overig_next_to_its_ballots(app, client, login):
    # 13 phones: Praktijk has phones 0, 6 and 12; every other pillar two
    ids = voted_session(app, items=ITEMS, orders=_orders(13))
    login()
    ballots = _csv_rows(client.get(f"/export/ronde/{ids['round_id']}/stemmen.csv").data)
    pillars = [b["Pijler"] for b in ballots]
    assert pillars == ["Praktijk en uitvoering" if i % 6 == 0 else "overig" for i in range(13)]
    # the JSON export and the API carry the same ballots
    document = client.get(f"/export/ronde/{ids['round_id']}.json").get_json()
    assert [b["pillar"] for b in document["ballots"]] == pillars
    assert not any(name in str(document) for name in PILLARS[1:])


def test_the_ballot_export_follows_a_raised_floor(app, client, login):
    app.config["BREAKDOWN_MIN_VOTERS"] = 4
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    login()
    ballots = _csv_rows(client.get(f"/export/ronde/{ids['round_id']}/stemmen.csv").data)
    assert {b["Pijler"] for b in ballots} == {"overig"}


def test_overig_takes_in_the_next_smallest_group_until_it_reaches_the_floor():
    # one lone "overig" beside named pillars would still be the one missing pillar
    values = ["a"] + ["b"] * 3 + ["c"] * 5 + [""] * 2
    assert floor_groups(values, 3, "overig") == ["overig"] * 4 + ["c"] * 5 + [""] * 2
    # "overig" of two is merged with the next group, even one at the floor
    assert floor_groups(["a", "a", "b", "b", "b", "c", "c", "c", "c"], 3, "x") == (
        ["x"] * 5 + ["c"] * 4
    )
    # two groups of two merge into one "overig" of four; groups at the floor stay
    assert floor_groups(["a", "a", "b", "b", "c", "c", "c"], 3, "x") == ["x"] * 4 + ["c"] * 3
    assert floor_groups(["a"] * 3 + ["b"] * 3, 3, "x") == ["a"] * 3 + ["b"] * 3


# -- the outcome page, the report and the exports -------------------------------------------


def _table(page):
    """The breakdown table: header cells, then per item row its cells (and which are marked)."""
    table = parse_html(page).select_one("[data-outcome='breakdown'] table")
    head = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    rows = {}
    for tr in table.select("tbody tr"):
        for hidden in tr.select(".visually-hidden"):
            hidden.decompose()
        cells = tr.select("td")
        rows[tr.th.get_text(strip=True)] = (
            [td.get_text(strip=True) for td in cells],
            [i for i, td in enumerate(cells) if "divergent" in td.get("class", [])],
        )
    return head, rows


GROUP_COLUMNS = [
    "Onderdeel",
    "Zaal (18)",
    "Praktijk en uitvoering (3)",  # the largest divergence first, then by kind and name
    "Beleid en bestuur (3)",
    "Innovatie en ontwerp (3)",
    "Onderzoek en onderwijs (3)",
    "Participatie en gebruik (3)",
    "Starten en ondernemen (3)",
    "Founders (9)",
]


def test_the_outcome_page_sets_each_group_beside_the_room(app, client, login):
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    head, rows = _table(page)
    assert head == GROUP_COLUMNS
    # the room's Borda place, then each group's; Praktijk's Mensgericht (3, the room 1) marked
    assert rows["Mensgericht"] == (["1", "3", "1", "1", "1", "1", "1", "1"], [1])
    assert rows["Regiobreed"] == (["2", "2", "2", "2", "2", "2", "2", "2"], [])
    assert rows["Zelfsturend"] == (["3", "1", "3", "3", "3", "3", "3", "3"], [])
    assert texts(page, "[data-breakdown='divergences'] li") == [
        "Praktijk en uitvoering (3) zet ‘Mensgericht’ op 3, de zaal op 1"
    ]

    report = client.get(f"/export/ronde/{ids['round_id']}/rapport").get_data(as_text=True)
    assert _table(report) == (head, rows)


def test_groups_under_the_floor_are_left_out_of_the_page(app, client, login):
    ids = voted_session(app, items=ITEMS, orders=_orders(12))  # two phones per pillar
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id']}").get_data(as_text=True)
    head, rows = _table(page)
    assert head == ["Onderdeel", "Zaal (12)", "Founders (6)"]
    assert not any(name in page for name in PILLARS)
    assert texts(page, "[data-breakdown='same']") == [
        "Elke groep zet de onderdelen in dezelfde volgorde als de zaal."
    ]
    few = voted_session(app, items=ITEMS, orders=_orders(4), round_title="Klein")
    page = client.get(f"/uitkomsten/{few['outcome_id']}").get_data(as_text=True)
    assert texts(page, "[data-breakdown='none']") == [
        "Geen pijler of laag heeft genoeg stemmers om apart te tonen."
    ]


def test_the_breakdown_of_a_frozen_outcome_stays_when_the_round_votes_again(app, client, login):
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    with app.app_context():
        people = list(
            db.session.scalars(
                select(Participant.id)
                .where(Participant.session_id == ids["session_id"])
                .order_by(Participant.id)
            )
        )
    open_round(app, ids["round_id"])
    for i in (0, 6, 12):  # Praktijk comes round to the room's order
        revote(app, ids["round_id"], people[i], [0, 1, 2])
    second = close_round(app, ids["round_id"])
    login()
    _head, first_rows = _table(client.get(f"/uitkomsten/{ids['outcome_id']}"))
    assert first_rows["Mensgericht"] == (["1", "3", "1", "1", "1", "1", "1", "1"], [1])
    _head, rows = _table(client.get(f"/uitkomsten/{second}"))
    assert rows["Mensgericht"] == (["1"] * 8, [])


def test_the_groups_table_exports_each_group_and_item(app, client, login):
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    login()
    rows = _csv_rows(client.get(f"/export/ronde/{ids['round_id']}/groepen.csv").data)
    assert len(rows) == 7 * 3  # seven groups of three or more, three items each
    praktijk = [r for r in rows if r["Groep"] == "Praktijk en uitvoering"]
    assert [
        (r["Onderdeel"], r["Plaats groep (Borda)"], r["Plaats zaal (Borda)"], r["Verschil"])
        for r in praktijk
    ] == [
        ("Mensgericht", "3", "1", "2"),
        ("Regiobreed", "2", "2", "0"),
        ("Zelfsturend", "1", "3", "-2"),
    ]
    assert [r["Grootste verschil"] for r in praktijk] == ["ja", "", ""]
    assert {r["Soort groep"] for r in praktijk} == {"pijler"}
    founders = [r for r in rows if r["Groep"] == "Founders"]
    assert {(r["Soort groep"], r["Stemmers"]) for r in founders} == {("laag", "9")}
    assert {r["Verschil"] for r in founders} == {"0"}

    small = voted_session(app, items=ITEMS, orders=_orders(12), round_title="Klein")
    rows = _csv_rows(client.get(f"/export/ronde/{small['round_id']}/groepen.csv").data)
    assert {r["Groep"] for r in rows} == {"Founders"}


def test_the_json_export_and_the_api_carry_the_breakdown_by_item_id(
    app, client, login, runner, make_user
):
    ids = voted_session(app, items=ITEMS, orders=_orders(18))
    a, b, c = (str(i) for i in ids["item_ids"])
    login()
    document = client.get(f"/export/ronde/{ids['round_id']}.json").get_json()
    breakdown = document["breakdown"]
    assert breakdown["min_voters"] == 3
    assert breakdown["overall"] == {a: 1, b: 2, c: 3}
    assert len(breakdown["groups"]) == 7
    first = breakdown["groups"][0]
    assert (first["kind"], first["key"], first["voters"]) == ("pillar", "praktijk", 3)
    assert first["places"] == {a: 3, b: 2, c: 1}
    assert first["divergence"] == {"item_id": int(a), "place": 3, "overall": 1, "gap": 2}
    founders = [g for g in breakdown["groups"] if g["kind"] == "tier"]
    assert [(g["key"], g["voters"], g["places"]) for g in founders] == [
        ("founder", 9, {a: 1, b: 2, c: 3})
    ]

    make_user(**{**KERNGROEP, "email": "api@hhu.test"})
    result = runner.invoke(args=["create-api-token", "--user", "api@hhu.test"])
    token = result.stdout.strip().splitlines()[-1]
    answer = client.get(
        f"/api/v1/outcomes/{ids['outcome_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.get_json()["breakdown"] == breakdown
    openapi = client.get("/api/v1/openapi.json").get_json()
    schema = openapi["components"]["schemas"]
    assert "breakdown" in schema["Outcome"]["properties"]
    assert schema["BreakdownGroup"]["properties"]["voters"]["minimum"] == 3
    # the answer matches its documented shape
    Draft202012Validator(
        {"$ref": "#/components/schemas/Outcome", "components": openapi["components"]}
    ).validate(answer.get_json())


def _console_rows(page):
    return {
        tr["data-group"]: [td.get_text(strip=True) for td in tr.select("td")]
        for tr in parse_html(page).select("[data-console='groups'] tr[data-group]")
    }


@pytest.mark.parametrize(
    ("weighting", "praktijk"),
    [
        ("equal", ["1", "2", "3"]),
        # one voice per organisation: Org X's lone C, B, A weighs as much as Org Y's two
        # A, B, C ballots together, so Praktijk ties all three
        ("organisation", ["1", "1", "1"]),
    ],
)
def test_the_breakdown_counts_as_the_round_does_live_and_frozen(
    app, client, login, weighting, praktijk
):
    orders = [[0, 1, 2]] * 18
    orders[0] = [2, 1, 0]
    organisations = ["Gemeente Utrecht"] * 18
    organisations[0], organisations[6], organisations[12] = "Org X", "Org Y", "Org Y"
    ids = voted_session(app, items=ITEMS, orders=orders, organisations=organisations, close=False)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        round_.weighting = weighting
        db.session.commit()
    outcome_id = close_round(app, ids["round_id"])
    login()
    head, rows = _table(client.get(f"/uitkomsten/{outcome_id}"))
    column = head.index("Praktijk en uitvoering (3)") - 1  # the row's cells follow its title
    assert [rows[title][0][column] for title in ITEMS] == praktijk
    # the console, from the live result, says the same
    console = _console_rows(client.get(f"/beheer/sessies/{ids['session_id']}"))
    assert console["Praktijk en uitvoering"] == ["3", *praktijk]
