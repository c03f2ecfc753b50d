"""What a phone downloads on venue Wi-Fi: the ballot page's weight and speed, throttled.

    .venv/bin/python bench/pageweight.py               # 6 and 25 items, about 40 s
    .venv/bin/python bench/pageweight.py --items 25    # one size only

The app runs in a thread (werkzeug, threaded) on a temporary SQLite file with
the seed catalogue; a session with one open round of N items is made through
the services. Debian's chromium (``/usr/bin/chromium``, through Playwright) at
360x640 joins unthrottled, then its cache is cleared and the network is
throttled through the DevTools protocol (``Network.emulateNetworkConditions``:
400 ms latency, 50 KB/s down and up, as a crowded venue network) and the
ballot page is loaded, then reloaded.

Printed per size, one machine-readable line (the last one is the largest)::

    items=25 ballot_page_bytes=B reload_bytes=R first_paint_ms=P interactive_ms=I join_ms=J

* ``ballot_page_bytes``: bytes on the wire (``encodedDataLength``: headers and
  compressed bodies) for the page and everything it loads, with an empty cache.
* ``reload_bytes``: the same for a reload right after (versioned static files
  come from the cache without a request; only the page itself is fetched).
* ``first_paint_ms``: first contentful paint, from the start of navigation.
* ``interactive_ms``: from the start of navigation until the ballot's script
  has made the list sortable (``form.ballot.js-ready``).
* ``join_ms``: another phone, throttled from the start, with the join page loaded: from
  the tap on the join button until its ballot is usable (the join's answer is the
  ballot page itself: a redirect and a request for that page cost a round trip more).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
LATENCY_MS = 400
BYTES_PER_SECOND = 50 * 1024

#: records when rank.js has set up the ballot (the page is usable), on the page's own clock
READY_PROBE = """
new MutationObserver((changes, observer) => {
  const form = document.querySelector("form.ballot.js-ready");
  if (form) { window.__interactive = performance.now(); observer.disconnect(); }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ["class"]});
"""


def _serve(database: Path) -> tuple[Any, str, Any]:
    from werkzeug.serving import make_server

    from hhu_ranking import create_app
    from hhu_ranking.extensions import db
    from hhu_ranking.services.catalogue import seed_catalogue

    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        seed_catalogue(db.session)
        db.session.commit()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, f"http://127.0.0.1:{server.server_port}", server


def _open_round(app: Any, count: int) -> str:
    from datetime import date

    from hhu_ranking.extensions import db
    from hhu_ranking.models import MeetingKind
    from hhu_ranking.services.rounds import ItemSpec, add_round, open_round
    from hhu_ranking.services.sessions import create_session

    with app.app_context():
        ranking_session = create_session(
            db.session,
            title="Kennisfestival Gelukkig Gezond",
            held_on=date.today(),
            kind=MeetingKind.NETWORK,
        )
        items = [
            ItemSpec(f"Onderdeel {n}: gezond en gelukkig in de wijk", "Een korte uitleg erbij.")
            for n in range(1, count + 1)
        ]
        round_ = add_round(db.session, ranking_session, title="Waarden", items=items)
        db.session.flush()
        open_round(db.session, round_)
        db.session.commit()
        return ranking_session.join_code


def _throttle(context: Any, page: Any) -> Any:
    """The venue's network for this page, through the DevTools protocol."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND,
            "uploadThroughput": BYTES_PER_SECOND,
        },
    )
    return cdp


def _join_form(page: Any) -> None:
    page.locator("input[name=organisation]").fill("UMC Utrecht")
    page.locator("select[name=pillar]").select_option(index=1)


def measure_join(browser: Any, base: str, code: str) -> int:
    """ms from the tap on the join button until the ballot is usable, throttled."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, bypass_csp=True
    )
    page = context.new_page()
    _throttle(context, page)
    page.goto(f"{base}/j/{code}", timeout=60_000)
    _join_form(page)
    started = time.monotonic()
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("form.ballot.js-ready", timeout=60_000)
    joined = time.monotonic()
    context.close()
    return round((joined - started) * 1000)


def measure(browser: Any, base: str, code: str) -> dict[str, int]:
    # Playwright's waits evaluate script, which the CSP refuses (test_csp.py checks it)
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{base}/j/{code}")
    _join_form(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("form.ballot.js-ready")
    # SortableJS follows the page by itself: let it arrive before anything is counted
    page.wait_for_function("window.Sortable !== undefined")
    page.wait_for_load_state("networkidle")

    cdp = _throttle(context, page)
    transferred = [0]
    urls: dict[str, str] = {}
    per_file: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        size = int(event["encodedDataLength"])
        transferred[0] += size
        name = urls.get(event["requestId"], "?").rsplit("/", 1)[-1]
        per_file[name] = per_file.get(name, 0) + size

    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on("Network.loadingFinished", finished)
    page.add_init_script(READY_PROBE)

    def load(action: Any) -> tuple[int, int, int]:
        transferred[0] = 0
        per_file.clear()
        action()
        page.wait_for_function("window.__interactive !== undefined", timeout=60_000)
        page.wait_for_load_state("load")
        # SortableJS comes after the page works, but it is part of the page's weight
        page.wait_for_function("window.Sortable !== undefined", timeout=60_000)
        page.wait_for_timeout(300)  # the last loadingFinished events
        paint = page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || -1"
        )
        interactive = page.evaluate("window.__interactive")
        print("#   " + " ".join(f"{name}={size}" for name, size in sorted(per_file.items())))
        return transferred[0], round(paint), round(interactive)

    first, paint, interactive = load(lambda: page.goto(f"{base}/j/{code}/stem"))
    # hx polling could add a request while we count: its 304 is a few hundred bytes at most
    again, _paint, _interactive = load(lambda: page.reload())
    context.close()
    return {
        "ballot_page_bytes": first,
        "reload_bytes": again,
        "first_paint_ms": paint,
        "interactive_ms": interactive,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, action="append", help="ballot sizes (6 and 25)")
    args = parser.parse_args()
    sizes = args.items or [6, 25]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app, base, server = _serve(Path(tmp) / "pageweight.db")
        print(f"# throttled: latency={LATENCY_MS}ms down=up={BYTES_PER_SECOND // 1024}KB/s")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for count in sizes:
                code = _open_round(app, count)
                figures = measure(browser, base, code)
                figures["join_ms"] = measure_join(browser, base, code)
                print(f"items={count} " + " ".join(f"{k}={v}" for k, v in figures.items()))
            browser.close()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
