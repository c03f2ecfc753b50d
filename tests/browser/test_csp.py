"""Class 17: the facilitator's pages, a phone and the big screen work under the
Content-Security-Policy, and the browser reports no violation of it.

Every page records ``securitypolicyviolation`` events (an init script, which the policy
does not govern) and console messages; both must stay empty while the facilitator makes
a session and a round, edits it, opens it, a phone votes, the screen updates through
htmx and the round closes.
"""

from __future__ import annotations

import re

import pytest

from .test_live_flow import ITEMS, PHONE, _facilitator_opens_a_round, _phone_joins, _send

pytestmark = pytest.mark.browser

_RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__csp.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def _watched(context, console: list[str]):
    context.add_init_script(_RECORD)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return page


def _violations(*pages) -> list[str]:
    return [v for page in pages for v in page.evaluate("window.__csp || []")]


def test_every_page_works_under_the_policy(chromium, live_server):
    from playwright.sync_api import expect

    base = live_server.url
    console: list[str] = []
    facilitator = chromium.new_context(viewport={"width": 1280, "height": 800})
    leader = _watched(facilitator, console)
    response = leader.goto(f"{base}/auth/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    code, round_id = _facilitator_opens_a_round(leader, base)
    session_url = leader.url.split("#")[0]

    projector_context = chromium.new_context(viewport={"width": 1600, "height": 900})
    projector = _watched(projector_context, console)
    projector.goto(f"{base}/scherm/{code}")
    expect(projector.locator(".screen-code")).to_have_text(code)

    phone_context = chromium.new_context(**PHONE)
    phone_context.add_init_script(_RECORD)
    phone = _phone_joins(phone_context, base, code, "UMC Utrecht")
    phone.get_by_role("button", name="‘Regiobreed’ hoger zetten", exact=True).click()
    _send(phone, ["Mensgericht", "Regiobreed", "Missiegedreven", "Zelfsturend"])

    # htmx swaps on the big screen (with the bars' widths) and on the facilitator's page
    expect(projector.locator('[data-count="voted"] strong')).to_have_text("1")
    expect(projector.locator('[data-result="borda"] .bar-score')).to_have_count(len(ITEMS))
    leader.goto(session_url)
    leader.locator(f"#round-{round_id}-toggle").click()
    # closing asks first (issue 10): the confirmation step works under the policy too
    expect(leader.locator(f"#round-{round_id}")).to_contain_text("nu sluiten?")
    leader.locator(f"#round-{round_id}-confirm").click()
    expect(leader.locator(f"#round-{round_id}")).to_contain_text("Gesloten")
    expect(projector.locator(".screen-badge")).to_have_text("Uitslag")

    # the other facilitator pages: a new round's editor (SortableJS), outcomes, the agenda
    leader.goto(f"{session_url}/rondes/nieuw")
    leader.locator("input[name=source][value=own]").check()
    leader.locator("input[name=title]").fill("Tweede ronde")
    leader.locator("textarea[name=items_text]").fill("Alpha\nBeta\nGamma")
    leader.locator("main form button[type=submit]").last.click()
    leader.wait_for_url(re.compile(r"/beheer/sessies/\d+"))
    edit = leader.locator("a", has_text="Bewerken").last
    edit.click()
    expect(leader.locator("input[name='items-0-title']")).to_have_value("Alpha")
    for path in ("/uitkomsten/", "/agenda/", "/beheer/"):
        leader.goto(base + path)
        assert leader.locator("main h1").count() >= 1

    assert _violations(leader, projector, phone) == []
    assert console == []

    # the recorder works: an image from another site is blocked and reported
    leader.evaluate(
        "document.body.appendChild(Object.assign(new Image(), {src: 'http://evil.example/x.png'}))"
    )
    expect(leader.locator("body")).to_be_attached()
    leader.wait_for_function("window.__csp.length > 0")
    assert _violations(leader) == ["img-src http://evil.example/x.png"]
    for context in (facilitator, projector_context, phone_context):
        context.close()
