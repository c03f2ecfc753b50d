"""No request leaves the app for a third party (issue 12): no CDN, fonts, analytics or
error trackers. The browser's own network log, on every kind of page a participant, a
projector and a facilitator sees."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from .conftest import FACILITATOR
from .login import log_in

pytestmark = pytest.mark.browser


def test_every_request_of_the_pages_goes_to_the_app_itself(chromium, live_server):
    from playwright.sync_api import expect

    app_host = urlsplit(live_server.url).netloc
    seen: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    base = live_server.url
    try:
        log_in(page, base, FACILITATOR)
        page.goto(f"{base}/beheer/sessies/nieuw")
        page.locator("input[name=title]").fill("Kennisfestival")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/beheer/sessies/\d+$"))
        code = page.locator("#join-code").inner_text().strip()
        page.goto(f"{base}/scherm/{code}")
        expect(page.locator(".screen-code")).to_have_text(code)
        page.wait_for_timeout(1500)  # a poll or two
        phone = chromium.new_context(viewport={"width": 360, "height": 640})
        phone.on("request", lambda request: seen.append(request.url))
        mobile = phone.new_page()
        mobile.goto(f"{base}/j/{code}")
        mobile.goto(f"{base}/privacy")
        mobile.goto(f"{base}/")
        phone.close()
    finally:
        context.close()
    assert seen, "the network log recorded nothing"
    elsewhere = sorted({url for url in seen if urlsplit(url).netloc not in (app_host, "")})
    assert elsewhere == [], elsewhere
