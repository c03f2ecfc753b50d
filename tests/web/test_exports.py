"""Exports parse back (csv, openpyxl, json, preflibtools) and match their frozen outcome."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pytest
from clock import SESSION_DAY_ISO
from factories import (
    ITEMS,
    KERNGROEP,
    ORDERS,
    adopt_form,
    close_round,
    open_round,
    outcome_snapshot,
    voted_session,
)
from preflibtools.instances import OrdinalInstance

from hhu_ranking.extensions import db
from hhu_ranking.models import BallotMode, Outcome
from hhu_ranking.services.outcomes import canonical_json, compute_result
from hhu_ranking.services.summaries import summarise

NAMES = ["Anna de Vries", "Bram Jansen", "Carla Smit", "Dirk Bakker"]


@pytest.fixture
def voted(app):
    return voted_session(app)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _sheet_rows(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def _workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _recomputed(snapshot, rankings_by_title: list[list[str]]) -> str:
    """The result computed afresh from exported ballots (titles), as canonical JSON."""
    items = snapshot["data"]["items"]
    by_title = {item["title"]: item["id"] for item in items}
    ballots = [
        {"participant_id": n, "ranking": [by_title[t] for t in titles]}
        for n, titles in enumerate(rankings_by_title, start=1)
    ]
    return canonical_json(compute_result(items, ballots, snapshot["data"]["parameters"]))


def _ranking_titles(row: dict[str, object], width: int) -> list[str]:
    cells = [row.get(f"Plaats {n}") for n in range(1, width + 1)]
    return [str(c) for c in cells if c not in (None, "")]


def _expected_results(app, outcome_id):
    with app.app_context():
        summary = summarise(db.session.get(Outcome, outcome_id))
        return [(item.rank, item.title, item.scores.get("borda")) for item in summary.items]


# -- XLSX ----------------------------------------------------------------------------------


def test_round_xlsx_has_results_ballots_and_agreement_that_match_the_outcome(
    app, client, login, voted
):
    login()
    response = client.get(f"/export/ronde/{voted['round_id']}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    disposition = response.headers["Content-Disposition"]
    assert f"{SESSION_DAY_ISO}-netwerkbijeenkomst-waarden-v1.xlsx" in disposition
    assert "no-store" in response.headers["Cache-Control"]

    book = _workbook(response.data)
    assert book.sheetnames == ["Uitslag", "Stemmen", "Overeenstemming", "Groepen"]
    # four phones: no pillar or tier reaches the privacy floor of three
    assert _sheet_rows(book["Groepen"]) == []
    snapshot = outcome_snapshot(app, voted["outcome_id"])

    results = _sheet_rows(book["Uitslag"])
    expected = _expected_results(app, voted["outcome_id"])
    assert [(r["Plaats"], r["Onderdeel"], r["Punten Borda"]) for r in results] == expected
    assert results[0]["Onderdeel"] == "Regiobreed"  # R 2+3+... : see ORDERS
    assert {r["Ronde"] for r in results} == {"Waarden"}

    ballots = _sheet_rows(book["Stemmen"])
    assert [b["Stem"] for b in ballots] == [1, 2, 3, 4]
    assert [_ranking_titles(b, len(ITEMS)) for b in ballots] == [
        [ITEMS[i] for i in order] for order in ORDERS
    ]
    assert {b["Organisatie"] for b in ballots} == {"Gemeente Utrecht", "Buurtinitiatief Oost"}
    assert all(b["Pijler"] for b in ballots)
    assert {b["Via"] for b in ballots} == {"telefoon"}
    assert "Naam" not in ballots[0]  # the round is anonymous
    # the exported ballots alone give exactly the stored result
    assert (
        _recomputed(snapshot, [_ranking_titles(b, len(ITEMS)) for b in ballots])
        == snapshot["result"]
    )

    (agreement,) = _sheet_rows(book["Overeenstemming"])
    stored = snapshot["data"]["agreement"]
    assert agreement["Stemmen"] == 4
    assert agreement["Kendall's W"] == pytest.approx(stored["kendall_w"])
    assert agreement["p-waarde"] == pytest.approx(stored["p_value"])
    assert agreement["SHA-256 van de stemmen"] == snapshot["ballots_digest"]
    # a moment with its offset, on SQLite too (which stores naive UTC)
    frozen = datetime.fromisoformat(agreement["Vastgelegd"])
    assert frozen.utcoffset() == timedelta(0)
    assert agreement["Versie"] == 1
    assert agreement["Datum"] == SESSION_DAY_ISO


# -- CSV -----------------------------------------------------------------------------------


def test_round_csv_tables_parse_back_and_match(app, client, login, voted):
    login()
    base = f"/export/ronde/{voted['round_id']}"
    snapshot = outcome_snapshot(app, voted["outcome_id"])

    response = client.get(f"{base}/uitslag.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert client.get(f"{base}/preflib").headers["Content-Type"] == "text/plain; charset=utf-8"
    results = _csv_rows(response.data)
    expected = _expected_results(app, voted["outcome_id"])
    assert [(int(r["Plaats"]), r["Onderdeel"], float(r["Punten Borda"])) for r in results] == [
        (rank, title, float(score)) for rank, title, score in expected
    ]

    ballots = _csv_rows(client.get(f"{base}/stemmen.csv").data)
    titles = [_ranking_titles(b, len(ITEMS)) for b in ballots]
    assert titles == [[ITEMS[i] for i in order] for order in ORDERS]
    assert _recomputed(snapshot, titles) == snapshot["result"]

    (agreement,) = _csv_rows(client.get(f"{base}/overeenstemming.csv").data)
    assert float(agreement["Kendall's W"]) == pytest.approx(
        snapshot["data"]["agreement"]["kendall_w"]
    )
    assert agreement["SHA-256 van de stemmen"] == snapshot["ballots_digest"]

    assert client.get(f"{base}/iets-anders.csv").status_code == 404


def test_csv_cells_are_protected_against_formula_injection(app, client, login):
    items = ('=HYPERLINK("http://kwaad.test")', "+31 Zorg", "-Minder overleg", "@Wijk")
    voted = voted_session(
        app,
        items=items,
        orders=[[0, 1, 2, 3], [3, 2, 1, 0]],
        organisations=["=1+1", "Gemeente Utrecht"],
    )
    login()
    base = f"/export/ronde/{voted['round_id']}"
    for table in ("uitslag", "stemmen"):
        text = client.get(f"{base}/{table}.csv").data.decode("utf-8-sig")
        for cell in (c for row in csv.reader(io.StringIO(text)) for c in row):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert "'=HYPERLINK" in text and "'+31 Zorg" in text and "'@Wijk" in text
        assert "'=1+1" in text or table == "uitslag"

    # XLSX keeps the text exact, but as text: never a formula
    book = _workbook(client.get(f"{base}.xlsx").data)
    cells = [c for row in book["Stemmen"].iter_rows() for c in row]
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in formula_like} >= {items[0], "=1+1"}
    assert all(c.data_type == "s" for c in formula_like)


# -- JSON ----------------------------------------------------------------------------------


def test_round_json_is_the_frozen_outcome_with_numbered_ballots(app, client, login, voted):
    login()
    response = client.get(f"/export/ronde/{voted['round_id']}.json")
    assert response.status_code == 200
    document = json.loads(response.data)
    snapshot = outcome_snapshot(app, voted["outcome_id"])
    assert document["format"] == "hhu-ranking-export/1"
    assert document["result"] == snapshot["data"]
    assert document["ballots_digest"] == snapshot["ballots_digest"]
    assert [b["number"] for b in document["ballots"]] == [1, 2, 3, 4]
    assert [b["ranking"] for b in document["ballots"]] == [
        b["ranking"] for b in snapshot["ballots"]
    ]
    assert all("participant_id" not in b and "name" not in b for b in document["ballots"])
    assert document["round"]["anonymous"] is True


def test_names_only_when_the_round_is_not_anonymous(app, client, login):
    login()
    named = voted_session(app, anonymous=False, names=NAMES)
    anonymous = voted_session(app, anonymous=True, names=NAMES)

    book = _workbook(client.get(f"/export/ronde/{named['round_id']}.xlsx").data)
    assert [b["Naam"] for b in _sheet_rows(book["Stemmen"])] == NAMES
    document = json.loads(client.get(f"/export/ronde/{named['round_id']}.json").data)
    assert [b["name"] for b in document["ballots"]] == NAMES

    base = f"/export/ronde/{anonymous['round_id']}"
    for path in (
        f"{base}.xlsx",
        f"{base}.json",
        f"{base}/stemmen.csv",
        f"{base}/preflib",
        f"{base}/rapport",
    ):
        data = client.get(path).data
        text = _all_text(data)
        for name in NAMES:
            assert name not in text, (path, name)


def _all_text(data: bytes) -> str:
    """Every string inside a download, XLSX and ZIP files unpacked."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def test_no_export_contains_a_participant_token_or_its_hash(app, client, login):
    login()
    voted = voted_session(app, anonymous=False, names=NAMES)
    secrets = voted["tokens"] + voted["token_hashes"]
    base = f"/export/ronde/{voted['round_id']}"
    session = f"/export/sessie/{voted['session_id']}"
    paths = [
        f"{base}.xlsx",
        f"{base}.json",
        f"{base}/preflib",
        f"{base}/rapport",
        f"{session}.xlsx",
        f"{session}.json",
        f"{session}/preflib",
        f"{session}/rapport",
    ]
    paths += [
        f"{p}/{t}.csv" for p in (base, session) for t in ("uitslag", "stemmen", "overeenstemming")
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _all_text(response.data)
        for secret in secrets:
            assert secret not in text, path


# -- PrefLib -------------------------------------------------------------------------------


def _preflibtools(text: str, data_type: str) -> OrdinalInstance:
    instance = OrdinalInstance()
    instance.parse_str(text, data_type)
    return instance


def test_preflib_export_is_soc_for_full_rankings_and_reads_in_preflibtools(
    app, client, login, voted
):
    login()
    response = client.get(f"/export/ronde/{voted['round_id']}/preflib")
    assert response.status_code == 200
    assert ".soc" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    instance = _preflibtools(text, "soc")
    assert instance.infer_type() == "soc"
    # PrefLib numbers alternatives from 1; the names are the round's items in order
    assert instance.alternatives_name == {n: t for n, t in enumerate(ITEMS, start=1)}
    assert instance.num_voters == len(ORDERS)
    expected: dict[tuple, int] = {}
    for order in ORDERS:
        key = tuple((i + 1,) for i in order)
        expected[key] = expected.get(key, 0) + 1
    assert dict(instance.multiplicity) == expected

    # and the ballots it holds give the stored result again
    snapshot = outcome_snapshot(app, voted["outcome_id"])
    rankings = []
    for order, count in instance.multiplicity.items():
        rankings += [[instance.alternatives_name[tier[0]] for tier in order]] * count
    assert _recomputed(snapshot, rankings) == snapshot["result"]


def test_preflib_export_of_a_top_k_round_is_soi(app, client, login):
    login()
    voted = voted_session(app, mode=BallotMode.TOP_K, top_k=2, orders=[[2, 0], [2, 1], [0, 2]])
    response = client.get(f"/export/ronde/{voted['round_id']}/preflib")
    assert ".soi" in response.headers["Content-Disposition"]
    instance = _preflibtools(response.data.decode(), "soi")
    assert instance.infer_type() == "soi"
    assert sum(instance.multiplicity.values()) == 3
    assert instance.multiplicity[((3,), (1,))] == 1

    book = _workbook(client.get(f"/export/ronde/{voted['round_id']}.xlsx").data)
    ballots = _sheet_rows(book["Stemmen"])
    assert [_ranking_titles(b, len(ITEMS)) for b in ballots] == [
        ["Regiobreed", "Mensgericht"],
        ["Regiobreed", "Missiegedreven"],
        ["Mensgericht", "Regiobreed"],
    ]
    snapshot = outcome_snapshot(app, voted["outcome_id"])
    assert (
        _recomputed(snapshot, [_ranking_titles(b, len(ITEMS)) for b in ballots])
        == snapshot["result"]
    )


# -- versions, sessions, the report --------------------------------------------------------


def test_an_older_version_can_still_be_exported(app, client, login, voted):
    login()
    open_round(app, voted["round_id"])
    with app.app_context():
        from hhu_ranking.models import Participant, Round
        from hhu_ranking.services.ballots import cast_ballot

        round_ = db.session.get(Round, voted["round_id"])
        first = db.session.scalars(db.select(Participant).order_by(Participant.id)).first()
        cast_ballot(db.session, round_, first, list(reversed(voted["item_ids"])))
        db.session.commit()
    close_round(app, voted["round_id"])

    newest = json.loads(client.get(f"/export/ronde/{voted['round_id']}.json").data)
    older = json.loads(client.get(f"/export/ronde/{voted['round_id']}.json?versie=1").data)
    assert (older["version_number"], newest["version_number"]) == (1, 2)
    assert older["result"] == outcome_snapshot(app, voted["outcome_id"])["data"]
    assert older["ballots"][0]["ranking"] != newest["ballots"][0]["ranking"]
    assert client.get(f"/export/ronde/{voted['round_id']}.json?versie=9").status_code == 404


def test_session_exports_hold_every_round_with_an_outcome(app, client, login, voted):
    login()
    second = voted_session(
        app,
        ranking_session_id=voted["session_id"],
        round_title="Spelregels",
        items=("Lachen mag", "Samen uit, samen thuis", "Transparant in alles"),
        orders=[[0, 1, 2], [2, 1, 0]],
    )
    voted_session(app, ranking_session_id=voted["session_id"], round_title="Nog open", close=False)
    base = f"/export/sessie/{voted['session_id']}"

    book = _workbook(client.get(f"{base}.xlsx").data)
    results = _sheet_rows(book["Uitslag"])
    assert [r["Ronde"] for r in results] == ["Waarden"] * 4 + ["Spelregels"] * 3
    assert [r["Ronde"] for r in _sheet_rows(book["Overeenstemming"])] == ["Waarden", "Spelregels"]
    ballots = _sheet_rows(book["Stemmen"])
    spelregels = [b for b in ballots if b["Ronde"] == "Spelregels"]
    assert [_ranking_titles(b, 4) for b in spelregels] == [
        ["Lachen mag", "Samen uit, samen thuis", "Transparant in alles"],
        ["Transparant in alles", "Samen uit, samen thuis", "Lachen mag"],
    ]
    assert spelregels[0]["Plaats 4"] is None

    csv_ballots = _csv_rows(client.get(f"{base}/stemmen.csv").data)
    assert len(csv_ballots) == 6
    assert csv_ballots[4]["Plaats 2"] == "Samen uit, samen thuis"  # a comma inside a cell

    document = json.loads(client.get(f"{base}.json").data)
    assert [o["round"]["title"] for o in document["outcomes"]] == ["Waarden", "Spelregels"]
    assert document["outcomes"][1]["result"] == outcome_snapshot(app, second["outcome_id"])["data"]

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/preflib").data))
    names = sorted(archive.namelist())
    assert names == [
        f"{SESSION_DAY_ISO}-netwerkbijeenkomst-spelregels-v1.soc",
        f"{SESSION_DAY_ISO}-netwerkbijeenkomst-waarden-v1.soc",
    ]
    instance = _preflibtools(archive.read(names[0]).decode(), "soc")
    assert instance.alternatives_name[2] == "Samen uit, samen thuis"


def test_the_report_is_a_printable_page_with_svg_charts(app, client, login, voted):
    login()
    response = client.get(f"/export/ronde/{voted['round_id']}/rapport")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "css/report." in page  # versioned: css/report.<hash>.css
    assert page.count("<svg") == 2
    assert page.count('class="bar"') == 2 * len(ITEMS)
    assert "Regiobreed" in page and "Afdrukken of opslaan als PDF" in page
    assert outcome_snapshot(app, voted["outcome_id"])["ballots_digest"] in page
    # the leader's Borda bar is the full width of the chart
    assert 'width="330.0"' in page

    session_page = client.get(f"/export/sessie/{voted['session_id']}/rapport")
    assert session_page.status_code == 200


def test_the_outcome_page_links_to_its_downloads(app, client, login, voted):
    login()
    page = client.get(f"/uitkomsten/{voted['outcome_id']}").get_data(as_text=True)
    assert f"/export/ronde/{voted['round_id']}.xlsx?versie=1" in page
    assert f"/export/ronde/{voted['round_id']}/rapport?versie=1" in page


# -- who may export, and what is missing ---------------------------------------------------


def test_exports_need_a_login(app, client, voted):
    for path in (
        f"/export/ronde/{voted['round_id']}.xlsx",
        "/export/agenda.csv",
        f"/export/sessie/{voted['session_id']}.json",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_a_round_without_an_outcome_has_nothing_to_export(app, client, login):
    login()
    open_round = voted_session(app, close=False)
    assert client.get(f"/export/ronde/{open_round['round_id']}.xlsx").status_code == 404
    assert client.get(f"/export/sessie/{open_round['session_id']}.xlsx").status_code == 404
    assert client.get("/export/ronde/999.json").status_code == 404


# -- the agenda ----------------------------------------------------------------------------


def test_the_agenda_exports_to_csv_and_xlsx_with_provenance(app, client, login, voted):
    login(**KERNGROEP)
    regiobreed = voted["item_ids"][2]
    response = client.post(
        f"/agenda/overnemen/{voted['outcome_id']}/{regiobreed}",
        data=adopt_form(app, owner="=Trekker", status="adopted", note="Met de wijkteams"),
    )
    assert response.status_code == 302

    rows = _csv_rows(client.get("/export/agenda.csv").data)
    assert len(rows) == 1
    row = rows[0]
    assert row["Coalitie"] == "Wijkgerichte preventie"
    assert row["Onderdeel"] == "Regiobreed"
    assert row["Plaats"] == "1"
    assert row["Trekker"] == "'=Trekker"
    assert row["Bron: sessie"] == "Netwerkbijeenkomst"
    assert row["Bron: ronde"] == "Waarden"
    assert row["Bron: plaats"] == "1"
    assert row["Bron: stemmen"] == "4"
    assert row["Bron: datum"] == SESSION_DAY_ISO

    book = _workbook(client.get("/export/agenda.xlsx?coalitie=wijkgerichte-preventie").data)
    (entry,) = _sheet_rows(book["Agenda"])
    assert entry["Trekker"] == "=Trekker"
    assert entry["Bron: versie"] == 1
    empty = _workbook(client.get("/export/agenda.xlsx?coalitie=digitale-transformatie").data)
    assert _sheet_rows(empty["Agenda"]) == []
    assert client.get("/export/agenda.csv?coalitie=bestaat-niet").status_code == 404
