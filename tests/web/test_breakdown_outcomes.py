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

from factories import voted_session

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
