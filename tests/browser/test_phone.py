"""The phone as a partner uses it: the confirmation in view, the keyboard, and no JavaScript.

Sessions and rounds are made through the services (the facilitator's pages have
their own browser test); the phone joins and votes through its own pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from factories import session_with_round
from sqlalchemy import select

pytestmark = pytest.mark.browser

#: Playwright's waits and the axe-core script run as page scripts, which the app's CSP
#: refuses; tests/browser/test_csp.py checks the pages under the real policy
TOOLING = True

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
#: a phone-sized window without touch, as someone who uses the keyboard has it
KEYBOARD = {"viewport": {"width": 360, "height": 640}}
NO_SCRIPT = {**PHONE, "java_script_enabled": False}


def stored_ranking(app, round_id: int) -> list[str]:
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Ballot, RoundItem

    with app.app_context():
        ballot = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id)).one()
        titles = dict(db.session.execute(select(RoundItem.id, RoundItem.title)).all())
        return [titles[i] for i in ballot.ranking]


def join(page, base: str, code: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/j/{code}")
    page.locator("input[name=organisation]").fill("UMC Utrecht")
    page.locator("select[name=pillar]").select_option(index=1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#round-title")).to_have_text("Waarden")
    # the ballot's scripts have run before a test taps it (a tap before would be a plain form)
    page.wait_for_load_state("load")


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {id: e.id, tag: e.tagName,"
        " label: e.getAttribute('aria-label') || e.textContent}; }"
    )


def _joined_phone(chromium, live_server, count: int, **options) -> tuple[Any, Any, int]:
    """A browser context (``options``, a phone's by default) joined to a new session with one
    open round of ``count`` items; returns the context, its page and the round's id."""
    ids = session_with_round(
        live_server.app,
        title="Kennisfestival Gelukkig Gezond",
        items=[f"Onderdeel {n} met een wat langere titel" for n in range(1, count + 1)],
        opened=True,
    )
    context = chromium.new_context(**(options or PHONE), bypass_csp=TOOLING)
    page = context.new_page()
    join(page, live_server.url, ids["code"])
    return context, page, ids["round_id"]


def _tab_until(page, found: Callable[[dict], bool], presses: int) -> None:
    """From the top of the page, press Tab until ``found`` holds for the focused element
    (at most ``presses`` times)."""
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if found(_focused(page)):
            break


@pytest.mark.parametrize("count", [6, 25])
def test_the_confirmation_is_in_view_and_focused_after_sending(chromium, live_server, count):
    from playwright.sync_api import expect

    context, page, round_id = _joined_phone(chromium, live_server, count)
    page.get_by_role("button", name="‘Onderdeel 2 met een wat langere titel’ hoger zetten").click()
    send = page.get_by_role("button", name="Verstuur mijn stem")
    send.scroll_into_view_if_needed()
    send.click()
    confirmation = page.locator("#bevestiging")
    expect(confirmation).to_contain_text("Je stem is ontvangen")
    expect(confirmation.locator("h2")).to_be_in_viewport()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'bevestiging'")
    assert stored_ranking(live_server.app, round_id)[0] == "Onderdeel 2 met een wat langere titel"
    context.close()


def test_the_join_answers_with_the_ballot_and_a_reload_does_not_join_again(chromium, live_server):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Participant

    context, page, _round_id = _joined_phone(chromium, live_server, 6)
    # the join's answer was the ballot page itself, which then named its own address
    assert page.url.endswith("/stem")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    page.reload()
    expect(page.locator("#round-title")).to_have_text("Waarden")
    assert sent and sent[0].startswith("GET ") and sent[0].endswith("/stem")
    assert not [request for request in sent if request.startswith("POST ")]
    with live_server.app.app_context():
        assert len(db.session.scalars(select(Participant)).all()) == 1
    context.close()


def test_keyboard_only_ranks_and_sends(chromium, live_server):
    from playwright.sync_api import expect

    context, page, round_id = _joined_phone(chromium, live_server, 6, **KEYBOARD)
    # Tab reaches the list in a few steps: only one item's buttons are in the tab order
    _tab_until(page, lambda focused: "hoger zetten" in focused["label"], 8)
    assert _focused(page)["label"] == "‘Onderdeel 1 met een wat langere titel’ hoger zetten"
    # the arrow keys go down the list, to the third item's ▲
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    third = "‘Onderdeel 3 met een wat langere titel’ hoger zetten"
    assert _focused(page)["label"] == third
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    # on top now, and the focus stayed on its ▲: a third press must not move it back down
    assert _focused(page)["label"] == third
    page.keyboard.press("Enter")
    assert _focused(page)["label"] == third
    live = page.locator("[data-rank-live]")
    expect(live).to_contain_text("staat al bovenaan")
    titles = page.locator('[data-rank-list="chosen"] .rank-title').all_inner_texts()
    assert titles[0] == "Onderdeel 3 met een wat langere titel"
    # ▼ with the right arrow, once: it goes to place 2 and says so
    page.keyboard.press("ArrowRight")
    assert "lager zetten" in _focused(page)["label"]
    page.keyboard.press("Enter")
    expect(live).to_contain_text("staat nu op plaats 2 van 6")
    # from the list, Tab goes straight to the send button
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "send-ballot"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'bevestiging'")
    expect(page.locator("#bevestiging h2")).to_be_in_viewport()
    assert stored_ranking(live_server.app, round_id)[:3] == [
        "Onderdeel 1 met een wat langere titel",
        "Onderdeel 3 met een wat langere titel",
        "Onderdeel 2 met een wat langere titel",
    ]
    context.close()


def test_the_skip_link_goes_to_the_send_button(chromium, live_server):
    context, page, _round_id = _joined_phone(chromium, live_server, 25, **KEYBOARD)
    _tab_until(page, lambda focused: "Verstuur" in focused["label"] and focused["tag"] == "A", 6)
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "send-ballot"
    context.close()


def test_tap_in_order_ranks_a_long_list(chromium, live_server):
    context, page, round_id = _joined_phone(chromium, live_server, 8)
    page.get_by_role("button", name="Tik in volgorde").click()
    order = [8, 3, 5, 1, 2, 4, 7]  # the last one needs no tap
    for n in order:
        page.locator(".rank-item", has_text=f"Onderdeel {n} met").locator(".rank-title").click()
    titles = page.locator('[data-rank-list="chosen"] .rank-title').all_inner_texts()
    assert [int(re.search(r"\d+", t).group()) for t in titles] == [*order, 6]
    page.get_by_role("button", name="Verstuur mijn stem").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'bevestiging'")
    assert [
        int(re.search(r"\d+", t).group()) for t in stored_ranking(live_server.app, round_id)
    ] == [
        *order,
        6,
    ]
    context.close()


@pytest.mark.parametrize("count", [6, 25])
def test_without_javascript_a_phone_joins_ranks_and_sees_its_confirmation(
    chromium, live_server, count
):
    from playwright.sync_api import expect

    context, page, round_id = _joined_phone(chromium, live_server, count, **NO_SCRIPT)
    fields = page.locator('input[type="number"][name^="pos-"]')
    assert fields.count() == count
    # reverse the list: the last item first
    for index in range(count):
        fields.nth(index).fill(str(count - index))
    page.get_by_role("button", name="Verstuur mijn stem").click()
    expect(page.locator("#bevestiging")).to_contain_text("Je stem is ontvangen")
    assert page.url.endswith("#bevestiging")
    expect(page.locator("#bevestiging h2")).to_be_in_viewport()
    ranking = stored_ranking(live_server.app, round_id)
    assert ranking[0] == f"Onderdeel {count} met een wat langere titel"
    assert ranking[-1] == "Onderdeel 1 met een wat langere titel"
    context.close()


def test_a_refused_ballot_brings_its_reason_into_view(chromium, live_server):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Round
    from hhu_ranking.services.rounds import close_round

    # a phone that has not heard of the close yet: its polls are not held, the next is a
    # minute away (a held poll would show the closed round before the ballot is sent)
    live_server.app.config.update(LONG_POLL_SECONDS=0, POLL_SECONDS=60)
    context, page, round_id = _joined_phone(chromium, live_server, 25)
    with live_server.app.app_context():
        close_round(db.session, db.session.get(Round, round_id))
        db.session.commit()
    send = page.get_by_role("button", name="Verstuur mijn stem")
    send.scroll_into_view_if_needed()
    send.click()
    error = page.locator("#ballot-error")
    expect(error).to_contain_text("Deze ronde is gesloten")
    expect(error).to_be_in_viewport()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'ballot-error'")
    context.close()
