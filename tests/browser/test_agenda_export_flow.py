"""From a closed round to the coalition agenda and an XLSX for the board, in a real browser.

A kerngroep member logs in, opens the outcome of a round that four partners
voted in (prepared through the services, as the live loop has its own test),
adopts the winner into the agenda of Wijkgerichte preventie, sees the entry
with where it came from, and downloads the round's XLSX, which the test opens
with openpyxl.

Ballots (M = Mensgericht, Mi = Missiegedreven, R = Regiobreed, Z = Zelfsturend):
R M Mi Z; R Mi M Z; M R Z Mi; R M Mi Z. Borda (3, 2, 1, 0): R 11, M 8, Mi 4,
Z 1. The pairwise majorities (R>M 3:1, M>Mi 3:1, Mi>Z 3:1, the rest 4:0) are
transitive, so every method gives R, M, Mi, Z.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from clock import SESSION_DAY, SESSION_DAY_ISO

from .login import log_in

pytestmark = pytest.mark.browser

KERNGROEP = ("kern@hhu.test", "kerngroep-wachtwoord")
ITEMS = ["Mensgericht", "Missiegedreven", "Regiobreed", "Zelfsturend"]
ORDERS = [[2, 0, 1, 3], [2, 1, 0, 3], [0, 2, 3, 1], [2, 0, 1, 3]]


def _closed_round(app) -> int:
    from factories import add_participant

    from hhu_ranking.extensions import db
    from hhu_ranking.models import MeetingKind, Role
    from hhu_ranking.services import rounds
    from hhu_ranking.services.ballots import cast_ballot
    from hhu_ranking.services.sessions import create_session
    from hhu_ranking.services.users import create_user

    with app.app_context():
        create_user(db.session, KERNGROEP[0], "Kees Kerngroep", KERNGROEP[1], Role.KERNGROEP)
        session = create_session(
            db.session,
            title="Trekkersoverleg november",
            held_on=SESSION_DAY,
            kind=MeetingKind.TREKKERS,
        )
        round_ = rounds.add_round(
            db.session, session, title="Waarden", items=[rounds.ItemSpec(t) for t in ITEMS]
        )
        rounds.open_round(db.session, round_)
        item_ids = [i.id for i in round_.items]
        for number, order in enumerate(ORDERS):
            participant, _token = add_participant(
                session, organisation_other=f"Wijkteam {number + 1}"
            )
            cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
        rounds.close_round(db.session, round_)
        db.session.commit()
        return round_.id


def test_a_closed_round_goes_to_the_agenda_and_its_xlsx_downloads(chromium, live_server, tmp_path):
    from playwright.sync_api import expect

    base = live_server.url
    round_id = _closed_round(live_server.app)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, base, KERNGROEP)

        # the closed round's card links to its outcome
        page.goto(f"{base}/uitkomsten/ronde/{round_id}")
        page.wait_for_url(re.compile(r"/uitkomsten/\d+$"))
        outcome_url = page.url
        expect(page.locator("h1")).to_contain_text("Waarden")
        first_row = page.locator("table.outcome-table tbody tr").first
        expect(first_row.locator("th")).to_contain_text("Regiobreed")
        expect(first_row.locator("td.rank")).to_have_text("1")

        # adopt the winner into a coalition's agenda
        # (the hidden ": Regiobreed" may come out with a space before the colon)
        first_row.get_by_role("link", name=re.compile(r"^Op de agenda\s*:\s*Regiobreed$")).click()
        expect(page.locator("h1")).to_contain_text("‘Regiobreed’ op de agenda zetten")
        page.locator("select[name=coalition_id]").select_option(label="Wijkgerichte preventie")
        page.locator("input[name=owner]").fill("Trekker Wijkgerichte preventie")
        page.get_by_role("button", name="Op de agenda zetten").click()
        page.wait_for_url(re.compile(r"/agenda/coalitie/wijkgerichte-preventie"))
        expect(page.locator(".flash")).to_contain_text("staat op de agenda van")

        # the entry shows where it came from
        entry = page.locator("main").get_by_text("Regiobreed", exact=True).first
        expect(entry).to_be_visible()
        provenance = page.locator(".provenance").first
        expect(provenance).to_contain_text("Trekkersoverleg november")
        expect(provenance).to_contain_text("ronde ‘Waarden’")
        expect(provenance).to_contain_text("plaats 1 van 4")
        expect(provenance).to_contain_text("4 stemmen")

        # back on the outcome page, download the round's XLSX
        page.goto(outcome_url)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Excel (XLSX)").click()
        download = download_info.value
        assert download.suggested_filename == (
            f"{SESSION_DAY_ISO}-trekkersoverleg-november-waarden-v1.xlsx"
        )
        path = tmp_path / download.suggested_filename
        download.save_as(path)
    finally:
        context.close()

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Uitslag", "Stemmen", "Overeenstemming", "Groepen"]
    rows = list(book["Uitslag"].iter_rows(values_only=True))
    header = rows[0]
    place, title = header.index("Plaats"), header.index("Onderdeel")
    borda = header.index("Punten Borda")
    assert [(r[place], r[title], r[borda]) for r in rows[1:]] == [
        (1, "Regiobreed", 11),
        (2, "Mensgericht", 8),
        (3, "Missiegedreven", 4),
        (4, "Zelfsturend", 1),
    ]
    ballots = list(book["Stemmen"].iter_rows(values_only=True))
    assert len(ballots) == 1 + len(ORDERS)
    assert "Naam" not in ballots[0]


def test_the_session_page_shows_its_downloads_as_a_row_of_links(chromium, live_server):
    """The session page (not the agenda's stylesheet) styles its download list: no bullets."""
    from playwright.sync_api import expect

    base = live_server.url
    _closed_round(live_server.app)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, KERNGROEP)
        page.get_by_role("link", name="Trekkersoverleg november", exact=True).click()
        downloads = page.locator("section.export-links ul")
        expect(downloads).to_be_visible()
        assert downloads.evaluate("e => getComputedStyle(e).listStyleType") == "none"
        assert downloads.evaluate("e => getComputedStyle(e).display") == "flex"
    finally:
        context.close()
