"""The whole live loop in a real browser: facilitator, three phones and the big screen.

The facilitator logs in, makes a session and a round, and opens it; three
phones (360x640, touch) join with the code and rank differently, with the move
buttons and by dragging; the projector shows three votes and the right
consensus without reloading; the facilitator closes the round; a phone that
missed the news is refused when it still sends a ballot.

Ballots (items M = Mensgericht, Mi = Missiegedreven, R = Regiobreed,
Z = Zelfsturend, shown in that order):

    phone 1: R, M, Mi, Z
    phone 2: R, Mi, M, Z
    phone 3: M, R, Z, Mi

Borda (3, 2, 1, 0 points): R 3+3+2 = 8, M 2+1+3 = 6, Mi 1+2+0 = 3, Z 0+0+1 = 1.
Pairwise majorities R>M 2:1, R>Mi 3:0, R>Z 3:0, M>Mi 2:1, M>Z 3:0, Mi>Z 2:1 are
transitive, so the Kemeny consensus is that order too, and unique:
R, M, Mi, Z.

``SCREENSHOTS=1`` saves docs/screenshots/phone.png and projector.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from clock import SESSION_DAY
from sqlalchemy import select

from .conftest import FACILITATOR
from .login import log_in

pytestmark = pytest.mark.browser

ITEMS = ["Mensgericht", "Missiegedreven", "Regiobreed", "Zelfsturend"]
EXPECTED = ["Regiobreed", "Mensgericht", "Missiegedreven", "Zelfsturend"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
CLOSED = "Deze ronde is gesloten. Je kunt je stem niet meer insturen of aanpassen."


def _order(page) -> list[str]:
    return page.locator('[data-rank-list="chosen"] .rank-title').all_inner_texts()


def _move(page, title: str, direction: str, times: int = 1) -> None:
    label = f"‘{title}’ {'hoger' if direction == 'up' else 'lager'} zetten"
    for _ in range(times):
        page.get_by_role("button", name=label, exact=True).click()


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _facilitator_opens_a_round(page, base: str) -> tuple[str, int]:
    from playwright.sync_api import expect

    log_in(page, base, FACILITATOR)
    page.goto(f"{base}/beheer/sessies/nieuw")
    page.locator("input[name=title]").fill("Netwerkbijeenkomst live")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/beheer/sessies/\d+$"))
    session_url = page.url
    code = page.locator("#join-code").inner_text().strip()
    page.goto(f"{session_url}/rondes/nieuw")
    page.locator("input[name=source][value=own]").check()
    page.locator("input[name=title]").fill("Waarden")
    page.locator("textarea[name=items_text]").fill("\n".join(ITEMS))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/beheer/sessies/\d+"))
    toggle = page.locator("button[id$='-toggle']", has_text="Ronde openen")
    round_id = int(re.search(r"round-(\d+)-toggle", toggle.get_attribute("id")).group(1))
    toggle.click()
    expect(page.locator(f"#round-{round_id}")).to_contain_text("Open: er wordt gestemd")
    return code, round_id


def _phone_joins(context, base: str, code: str, organisation: str):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(base + "/")
    # typed as people type it: lower case, with a space
    page.locator("#code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    page.locator("form.join-box button[type=submit]").click()
    page.locator("input[name=organisation]").fill(organisation)
    page.locator("select[name=pillar]").select_option(label="Praktijk en uitvoering")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#round-title")).to_have_text("Waarden")
    # the ballot's scripts have run before a test taps it (a tap before would be a plain form)
    page.wait_for_load_state("load")
    assert _order(page) == ITEMS
    return page


def _send(page, expected: list[str]) -> None:
    from playwright.sync_api import expect

    assert _order(page) == expected
    page.get_by_role("button", name="Verstuur mijn stem").click()
    confirmation = page.locator("#bevestiging")
    expect(confirmation).to_contain_text("Je stem is ontvangen")
    expect(confirmation.locator(".confirm-list li")).to_have_text(expected)


def test_live_session_from_phones_to_the_big_screen(chromium, live_server):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Ballot

    base = live_server.url
    facilitator = chromium.new_context(viewport={"width": 1280, "height": 800})
    leader = facilitator.new_page()
    code, round_id = _facilitator_opens_a_round(leader, base)

    projector_context = chromium.new_context(viewport={"width": 1600, "height": 900})
    projector = projector_context.new_page()
    projector.goto(f"{base}/scherm/{code}")
    expect(projector.locator(".screen-code")).to_have_text(code)
    # a reload would wipe this marker: its survival proves updates came in place
    projector.evaluate("window.__stayedOnPage = 'ja'")

    phones = [chromium.new_context(**PHONE) for _ in range(3)]
    one = _phone_joins(phones[0], base, code, "UMC Utrecht")
    two = _phone_joins(phones[1], base, code, "RIVM")
    three = _phone_joins(phones[2], base, code, "Buurtteam Overvecht")
    expect(projector.locator('[data-count="joined"] strong')).to_have_text("3")

    # phone 1, by keyboard-friendly buttons: R up twice
    _move(one, "Regiobreed", "up", 2)
    expect(one.locator("[data-rank-live]")).to_have_text("‘Regiobreed’ staat nu op plaats 1 van 4.")
    # focus stays on the ▲ that moved it (now aria-disabled): a third press cannot move it down
    assert one.evaluate("document.activeElement.getAttribute('data-move')") == "up"
    _send(one, ["Regiobreed", "Mensgericht", "Missiegedreven", "Zelfsturend"])
    expect(projector.locator('[data-count="voted"] strong')).to_have_text("1")

    # phone 2: R up twice, Mi up once
    _move(two, "Regiobreed", "up", 2)
    _move(two, "Missiegedreven", "up")
    assert _fits_the_screen(two)
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        two.screenshot(path=str(SCREENSHOTS / "phone.png"))
    _send(two, ["Regiobreed", "Missiegedreven", "Mensgericht", "Zelfsturend"])

    # phone 3 drags: Regiobreed onto Missiegedreven's place, then Zelfsturend above Missiegedreven
    handle = three.locator('.rank-item[data-title="Regiobreed"] .rank-handle')
    handle.drag_to(
        three.locator('.rank-item[data-title="Missiegedreven"]'), target_position={"x": 40, "y": 5}
    )
    expect(three.locator('[data-rank-list="chosen"] .rank-title')).to_have_text(
        ["Mensgericht", "Regiobreed", "Missiegedreven", "Zelfsturend"]
    )
    _move(three, "Zelfsturend", "up")
    # from here on phone 3 has lost its connection to the status poll: the poll its ballot's
    # answer starts never arrives (its earlier one, still held, answers a replaced element)
    three.route(re.compile(r".*/status\?.*"), lambda route: route.abort())
    _send(three, ["Mensgericht", "Regiobreed", "Zelfsturend", "Missiegedreven"])
    assert _fits_the_screen(three)

    # the big screen caught up without a reload
    expect(projector.locator('[data-count="voted"] strong')).to_have_text("3")
    expect(projector.locator('[data-result="kemeny"] li .item-title')).to_have_text(EXPECTED)
    expect(projector.locator('[data-result="borda"] .bar-score')).to_have_text(["8", "6", "3", "1"])
    expect(projector.locator('[data-result="organisations"] li')).to_have_text(
        ["Buurtteam Overvecht", "RIVM", "UMC Utrecht"]
    )
    assert projector.evaluate("window.__stayedOnPage") == "ja"
    if os.environ.get("SCREENSHOTS") == "1":
        projector.screenshot(path=str(SCREENSHOTS / "projector.png"))

    # phone 3, without its status poll, changes its mind
    _move(three, "Missiegedreven", "up")

    leader.locator(f"#round-{round_id}-toggle").click()
    # closing asks first, in the round's card
    expect(leader.locator(f"#round-{round_id}")).to_contain_text("nu sluiten?")
    leader.locator(f"#round-{round_id}-confirm").click()
    expect(leader.locator(f"#round-{round_id}")).to_contain_text("Gesloten")

    # phone 1 learns it without a reload; its page stays the same document
    one.evaluate("window.__stayedOnPage = 'ja'")
    expect(one.locator(".phone-round .closed")).to_contain_text("Deze ronde is gesloten")
    assert one.evaluate("window.__stayedOnPage") == "ja"

    # phone 3 still shows the ballot and sends it: refused, with the reason
    three.get_by_role("button", name="Stem aanpassen").click()
    expect(three.locator("#ballot-error")).to_have_text(CLOSED)
    with live_server.app.app_context():
        ballot = db.session.scalars(
            select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.participant_id)
        ).all()[2]
        assert ballot.revision == 1  # the late ballot changed nothing

    expect(projector.locator(".screen-badge")).to_have_text("Uitslag")
    expect(projector.locator('[data-result="kemeny"] li .item-title')).to_have_text(EXPECTED)
    assert projector.evaluate("window.__stayedOnPage") == "ja"

    for context in (facilitator, projector_context, *phones):
        context.close()


def test_the_big_screen_wraps_a_long_unbroken_word(chromium, live_server):
    """An item, round or organisation name without spaces wraps instead of widening the screen."""

    from factories import add_participant

    from hhu_ranking.extensions import db
    from hhu_ranking.models import MeetingKind
    from hhu_ranking.services import rounds
    from hhu_ranking.services.ballots import cast_ballot
    from hhu_ranking.services.sessions import create_session

    word = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenhalter"
    with live_server.app.app_context():
        session = create_session(
            db.session, title="Lange woorden", held_on=SESSION_DAY, kind=MeetingKind.NETWORK
        )
        round_ = rounds.add_round(
            db.session,
            session,
            title=word + word,
            items=[rounds.ItemSpec(t) for t in (word, "Kort", "Ook kort")],
        )
        rounds.open_round(db.session, round_)
        participant, _token = add_participant(session, organisation_other=word + word + word)
        cast_ballot(db.session, round_, participant, [i.id for i in round_.items])
        db.session.commit()
        code = session.join_code

    context = chromium.new_context(viewport={"width": 1600, "height": 900})
    projector = context.new_page()
    try:
        projector.goto(f"{live_server.url}/scherm/{code}")
        assert projector.locator('[data-result="kemeny"] li .item-title').first.inner_text() == word
        assert _fits_the_screen(projector)
    finally:
        context.close()
