"""Reading paper ballots (CSV) and another tool's ballots (PrefLib) into an open round.

A file with any problem stores nothing and lists every problem with its line number.
"""

from __future__ import annotations

import io
import re

import pytest
from factories import close_round, outcome_snapshot, parse_html, participants, voted_session
from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, BallotImport, BallotMode, Participant


def _upload(client, round_id, text: str | bytes, filename: str = "stemmen.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        f"/import/ronde/{round_id}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _counts(app, round_id):
    with app.app_context():
        ballots = db.session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        )
        imports = db.session.scalar(select(func.count()).select_from(BallotImport))
        people = db.session.scalar(select(func.count()).select_from(Participant))
        return ballots, imports, people


def _problems(page: str) -> list[str]:
    """The line numbers the error list names ("Regel 3"), from each item's leading <strong>."""
    labels = [
        " ".join(s.get_text().split()) for s in parse_html(page).select("li > strong:first-child")
    ]
    return [label.removesuffix(":") for label in labels if re.fullmatch(r"Regel \d+:", label)]


@pytest.fixture
def open_round(app):
    """A round with two phone ballots, still open."""
    return voted_session(app, orders=[[0, 1, 2, 3], [3, 2, 1, 0]], close=False)


CSV_OK = """Organisatie,Pijler,Plaats 1,Plaats 2,Plaats 3,Plaats 4
Gemeente Utrecht,Beleid en bestuur,Regiobreed,Mensgericht,Missiegedreven,Zelfsturend
,,regiobreed , missiegedreven,Mensgericht,Zelfsturend
Wijkcentrum De Leeuw,policy,Mensgericht,Regiobreed,Zelfsturend,Missiegedreven
"""


def test_a_csv_of_paper_ballots_is_read_in_and_counted(app, client, login, open_round):
    login()
    page = client.get(f"/import/ronde/{open_round['round_id']}").get_data(as_text=True)
    assert "Plaats 1,Plaats 2,Plaats 3,Plaats 4" in page  # the example for this round
    assert 'enctype="multipart/form-data"' in page

    response = _upload(client, open_round["round_id"], CSV_OK)
    assert response.status_code == 302
    assert f"/beheer/sessies/{open_round['session_id']}" in response.headers["Location"]
    assert _counts(app, open_round["round_id"]) == (5, 1, 5)
    people = participants(app, open_round["session_id"])[2:]
    assert [p["organisation"] for p in people] == [
        "Gemeente Utrecht",
        "Papieren stembiljet",
        "Wijkcentrum De Leeuw",
    ]
    assert [p["pillar"] for p in people] == ["Beleid en bestuur", None, "Beleid en bestuur"]
    assert all(p["ballot_import_id"] for p in people)

    with app.app_context():
        record = db.session.scalar(select(BallotImport))
        assert (record.file_name, record.file_format, record.ballot_count) == (
            "stemmen.csv",
            "csv",
            3,
        )
        assert record.user_name == "Gespreksleider"

    # once closed, the paper ballots are part of the outcome and say where they came from
    outcome_id = close_round(app, open_round["round_id"])
    assert outcome_snapshot(app, outcome_id)["ballot_count"] == 5
    sheet = client.get(f"/export/ronde/{open_round['round_id']}/stemmen.csv").data
    text = sheet.decode("utf-8-sig")
    assert text.count(",bestand,") == 3 and text.count(",telefoon,") == 2

    page = client.get(f"/import/ronde/{open_round['round_id']}").get_data(as_text=True)
    assert "stemmen.csv" in page  # the earlier import is listed


def test_every_bad_line_is_reported_and_nothing_is_stored(app, client, login, open_round):
    login()
    before = _counts(app, open_round["round_id"])
    text = """Organisatie,Plaats 1,Plaats 2,Plaats 3,Plaats 4
Gemeente Utrecht,Regiobreed,Mensgericht,Missiegedreven,Zelfsturend
Gemeente Zeist,Regiobreed,Regiobreed,Missiegedreven,Zelfsturend
Gemeente Houten,Regiobreed,Mensgericht,Missiegedreven
,Regiobreed,Onbekend,Missiegedreven,Zelfsturend

,Regiobreed,,Missiegedreven,Zelfsturend
"""
    response = _upload(client, open_round["round_id"], text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _problems(page) == ["Regel 3", "Regel 4", "Regel 5", "Regel 7"]
    assert "Elk onderdeel mag maar één keer" in page
    assert "er ontbreken er 1" in page
    assert "‘Onbekend’ is geen onderdeel van deze ronde" in page
    assert "Plaats 2 is leeg" in page
    assert "Er is niets opgeslagen" in page
    assert _counts(app, open_round["round_id"]) == before


def test_semicolons_and_excel_encoding_are_read(app, client, login):
    login()
    voted = voted_session(
        app,
        items=(
            "Efficiënt organiseren",
            "Effectief inzetten",
            "Empathisch ontwerpen",
            "Ethisch doordenken",
        ),
        orders=[],
        close=False,
    )
    text = (
        "Plaats 1;Plaats 2;Plaats 3;Plaats 4\r\n"
        "Ethisch doordenken;Efficiënt organiseren;Effectief inzetten;Empathisch ontwerpen\r\n"
    )
    response = _upload(client, voted["round_id"], text.encode("cp1252"))
    assert response.status_code == 302
    assert _counts(app, voted["round_id"])[0] == 1


def test_a_top_k_round_takes_exactly_k_places(app, client, login):
    login()
    voted = voted_session(app, mode=BallotMode.TOP_K, top_k=2, orders=[], close=False)
    text = """rank1,rank2,rank3
Regiobreed,Mensgericht,
Regiobreed,,
Regiobreed,Mensgericht,Zelfsturend
"""
    response = _upload(client, voted["round_id"], text)
    assert response.status_code == 422
    assert _problems(response.get_data(as_text=True)) == ["Regel 3", "Regel 4"]
    good = "rank1,rank2\nRegiobreed,Mensgericht\nZelfsturend,Regiobreed\n"
    assert _upload(client, voted["round_id"], good).status_code == 302
    assert _counts(app, voted["round_id"])[0] == 2


def test_a_header_without_places_or_an_empty_file_is_refused(app, client, login, open_round):
    login()
    page = _upload(client, open_round["round_id"], "Naam,Keuze\nA,B\n").get_data(as_text=True)
    assert "geen kolommen ‘Plaats 1’" in page
    page = _upload(client, open_round["round_id"], "Plaats 1,Plaats 3\n").get_data(as_text=True)
    assert "zonder gaten" in page
    page = _upload(client, open_round["round_id"], "Plaats 1,Plaats 2\n").get_data(as_text=True)
    assert "bevat geen stemmen" in page
    page = _upload(client, open_round["round_id"], "x", filename="stemmen.txt").get_data(
        as_text=True
    )
    assert "Kies een CSV-bestand" in page


PREFLIB = """# FILE NAME: papier.soc
# TITLE: Papieren stemmen
# DATA TYPE: soc
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 5
# NUMBER UNIQUE ORDERS: 2
# ALTERNATIVE NAME 1: Regiobreed
# ALTERNATIVE NAME 2: Mensgericht
# ALTERNATIVE NAME 3: Missiegedreven
# ALTERNATIVE NAME 4: Zelfsturend
3: 1,2,3,4
2: 4,3,2,1
"""


def test_a_preflib_file_is_read_in_with_its_counts(app, client, login, open_round):
    login()
    response = _upload(client, open_round["round_id"], PREFLIB, filename="papier.soc")
    assert response.status_code == 302
    assert _counts(app, open_round["round_id"]) == (7, 1, 7)
    with app.app_context():
        regiobreed = open_round["item_ids"][2]
        rankings = [
            b.ranking
            for b in db.session.scalars(
                select(Ballot).join(Participant).where(Participant.ballot_import_id.is_not(None))
            )
        ]
        assert sum(r[0] == regiobreed for r in rankings) == 3


def test_preflib_problems_are_reported_per_line(app, client, login, open_round):
    login()
    before = _counts(app, open_round["round_id"])
    text = """# DATA TYPE: toc
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 9
# ALTERNATIVE NAME 1: Regiobreed
# ALTERNATIVE NAME 2: Mensgericht
# ALTERNATIVE NAME 3: Missiegedreven
# ALTERNATIVE NAME 4: Zelfsturend
3: 1,2,3,4
2: 1,{2,3},4
1: 1,2,x,4
1: 4,3,2
2: 2,1,3,4
"""
    response = _upload(client, open_round["round_id"], text, filename="andere-tool.toc")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _problems(page) == ["Regel 9", "Regel 10", "Regel 11"]
    assert "gedeelde plaatsen" in page
    assert _counts(app, open_round["round_id"]) == before

    unknown = PREFLIB.replace("ALTERNATIVE NAME 4: Zelfsturend", "ALTERNATIVE NAME 4: Lachen mag")
    response = _upload(client, open_round["round_id"], unknown, filename="papier.soc")
    page = response.get_data(as_text=True)
    assert _problems(page) == ["Regel 10"]
    assert "‘Lachen mag’ is geen onderdeel van deze ronde" in page
    assert _counts(app, open_round["round_id"]) == before


def test_only_an_open_round_takes_ballots(app, client, login):
    login()
    closed = voted_session(app, orders=[[0, 1, 2, 3]])
    before = _counts(app, closed["round_id"])
    page = client.get(f"/import/ronde/{closed['round_id']}").get_data(as_text=True)
    assert "Stemmen inlezen kan alleen in een open ronde" in page
    response = _upload(client, closed["round_id"], CSV_OK)
    assert response.status_code == 409
    assert _counts(app, closed["round_id"]) == before


def test_the_same_file_is_not_read_in_twice(app, client, login, open_round):
    login()
    assert _upload(client, open_round["round_id"], CSV_OK).status_code == 302
    response = _upload(client, open_round["round_id"], CSV_OK)
    assert response.status_code == 409
    assert "al ingelezen" in response.get_data(as_text=True)
    assert _counts(app, open_round["round_id"])[0] == 5


def test_an_export_reads_back_into_another_round_with_the_same_result(app, client, login):
    login()
    source = voted_session(app)
    target = voted_session(app, orders=[], close=False, title="Kennisfestival")
    csv_export = client.get(f"/export/ronde/{source['round_id']}/stemmen.csv").data
    assert _upload(client, target["round_id"], csv_export).status_code == 302
    from_csv = outcome_snapshot(app, close_round(app, target["round_id"]))

    other = voted_session(app, orders=[], close=False, title="ALV")
    preflib = client.get(f"/export/ronde/{source['round_id']}/preflib")
    name = re.search(r'filename="?([^";]+)', preflib.headers["Content-Disposition"]).group(1)
    assert _upload(client, other["round_id"], preflib.data, filename=name).status_code == 302
    from_preflib = outcome_snapshot(app, close_round(app, other["round_id"]))

    original = outcome_snapshot(app, source["outcome_id"])

    def places(snapshot):
        titles = {i["id"]: i["title"] for i in snapshot["data"]["items"]}
        return {
            m: [[titles[i] for i in tier] for tier in v["ranking"]]
            for m, v in snapshot["data"]["methods"].items()
        }

    assert places(from_csv) == places(original) == places(from_preflib)
    assert from_csv["data"]["agreement"] == original["data"]["agreement"]


def test_imports_need_a_login(client, open_round):
    response = _upload(client, open_round["round_id"], CSV_OK)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_round_card_offers_the_import_only_while_open(app, client, login, open_round):
    login()
    page = client.get(f"/beheer/sessies/{open_round['session_id']}").get_data(as_text=True)
    assert f"/import/ronde/{open_round['round_id']}" in page


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (1, "1 stem ingelezen uit ‘stemmen.csv’"),
        (2, "2 stemmen ingelezen uit ‘stemmen.csv’"),
    ],
)
def test_the_confirmation_counts_in_good_dutch(app, client, login, open_round, lines, said):
    login()
    csv_text = "\n".join(CSV_OK.splitlines()[: 1 + lines]) + "\n"
    page = _upload_and_follow(client, open_round["round_id"], csv_text)
    assert said in page


def test_the_confirmation_is_english_in_english(app, client, login, open_round):
    login()
    client.get("/?lang=en")
    csv_text = "\n".join(CSV_OK.splitlines()[:2]) + "\n"
    page = _upload_and_follow(client, open_round["round_id"], csv_text)
    assert "1 vote read in from ‘stemmen.csv’" in page


def _upload_and_follow(client, round_id, text: str) -> str:
    response = client.post(
        f"/import/ronde/{round_id}",
        data={"file": (io.BytesIO(text.encode("utf-8")), "stemmen.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)
