"""A live server and Debian's chromium for the browser tests.

The app runs in a background thread (werkzeug's threaded ``make_server``) on a
free port of 127.0.0.1, on a temporary SQLite file in WAL mode, with CSRF and
everything else as in production. Without ``/usr/bin/chromium`` the tests skip,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FACILITATOR = ("gespreksleider@hhu.test", "een-lang-wachtwoord")


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Any


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from hhu_ranking import create_app
    from hhu_ranking.extensions import db
    from hhu_ranking.services.catalogue import seed_catalogue
    from hhu_ranking.services.users import create_user

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            # the builders' sessions were held days ago (tests/clock.py): joining stays open
            # unless a test asks for the closing (tests/security/test_stuffing.py)
            "JOIN_CLOSES_AFTER_HOURS": -1,
            # the phones' polls held until their round changes (off by default): a test that
            # wants them polled every POLL_SECONDS sets LONG_POLL_SECONDS to 0
            "LONG_POLL_SECONDS": 25,
            "LONG_POLL_WAITERS": 1000,
        }
    )
    with app.app_context():
        db.create_all()
        seed_catalogue(db.session)
        create_user(db.session, FACILITATOR[0], "Gespreksleider", FACILITATOR[1])
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        waits = getattr(app.wsgi_app, "waits", None)
        if waits is not None:
            waits.end()  # the held polls answer now, not when their time is up
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
