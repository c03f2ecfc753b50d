"""The big screen fits the projector: any item count, long titles, never a scrollbar.

For 2, 8, 17 and 30 items (titles up to 200 characters) at 1280x720 and
1920x1080 and the 16:10 sizes 1280x800 and 1920x1200, the closed round's full
result (both lists, the insights, the pairwise heatmap) must fit the viewport
exactly: no vertical or horizontal overflow, the join code and QR code entirely
on screen, the heatmap whole with labels keyed to the list's places and at least
12 px high, and no insight cut off.
Screenshots go to ``test-artifacts/screen/`` (ignored by git), to look at.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from factories import voted_session

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession

pytestmark = pytest.mark.browser

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screen"
WORDS = [
    "Wijkgerichte",
    "preventie",
    "Digitale",
    "transformatie",
    "Aantrekkelijke",
    "arbeidsmarkt",
    "Mensgericht",
    "Missiegedreven",
    "Publiek-privaat",
    "Zelfsturend",
    "Regiobreed",
    "Designbewust",
    "Empathisch",
    "ontwerpen",
    "Ethisch",
    "doordenken",
    "Gezonde",
    "leefomgeving",
    "Blijven",
    "leren",
    "in",
    "de",
    "zorg",
    "Kansrijke",
    "start",
]
#: 16:9 and 16:10 projectors (every size follows the viewport, so 3840x2160 is 1920x1080 doubled)
SIZES = [(1280, 720), (1920, 1080), (1280, 800), (1920, 1200)]
#: the round size whose titles are single words
SINGLE_WORDS = 5


def _titles(count: int) -> list[str]:
    if count == SINGLE_WORDS:
        # a small round of one long word each: the largest type, and no space to wrap at
        return sorted(WORDS, key=len, reverse=True)[:count]
    rng = random.Random(count)
    titles = []
    for number in range(count):
        # every third title is long; one is the longest a round allows (200 characters)
        length = 200 if number == 1 else (rng.randint(60, 120) if number % 3 == 0 else 0)
        words = [WORDS[(number + k) % len(WORDS)] for k in range(3)]
        title = " ".join(words)
        while len(title) < length:
            title += " " + rng.choice(WORDS)
        suffix = f" ({number + 1})"
        titles.append(title[: 200 - len(suffix)] + suffix)
    return titles


def _session(app, count: int) -> str:
    rng = random.Random(1000 + count)
    orders = []
    for _ in range(12):
        order = list(range(count))
        rng.shuffle(order)
        orders.append(order)
    ids = voted_session(
        app,
        items=_titles(count),
        orders=orders,
        title="Kennisfestival Gelukkig Gezond — de grote zaal, ronde na de lunch",
        round_title="Welke principes vinden we het belangrijkst voor de coalitie? " * 3,
    )
    with app.app_context():
        return db.session.get(RankingSession, ids["session_id"]).join_code


def _overflow(page) -> dict:
    return page.evaluate(
        """() => {
          const doc = document.documentElement;
          const box = (sel) => {
            const r = document.querySelector(sel).getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
          };
          return {
            height: doc.scrollHeight, width: doc.scrollWidth,
            innerHeight: window.innerHeight, innerWidth: window.innerWidth,
            code: box('.screen-code'), qr: box('.screen-qr'),
            rows: document.querySelectorAll('[data-result="kemeny"] > li').length,
            lastRow: box('[data-result="kemeny"] > li:last-child'),
            lastBar: box('[data-result="borda"] > li:last-child'),
            // a row whose text is taller than the row would be clipped or overlap the next
            cramped: [...document.querySelectorAll('.place-list > li')]
              .filter((li) => li.scrollHeight > li.clientHeight + 1).length,
            places: [...document.querySelectorAll('[data-result="kemeny"] > li .place')]
              .map((p) => p.textContent.trim()),
            heatmap: box('.heatmap-svg'), heatmapKey: box('.heatmap .pairwise-key'),
            // the drawing itself (the svg's box may be wider than the square it holds)
            cellsBox: (() => {
              const rects = [...document.querySelectorAll('.heatmap-svg rect')]
                .map((r) => r.getBoundingClientRect());
              const edge = (side, pick) => pick(...rects.map((r) => r[side]));
              return {top: edge('top', Math.min), bottom: edge('bottom', Math.max),
                      left: edge('left', Math.min), right: edge('right', Math.max)};
            })(),
            cells: document.querySelectorAll('.heatmap-svg rect').length,
            labels: [...document.querySelectorAll('.heatmap-svg .pw-label')]
              .map((t) => t.textContent),
            labelBoxes: [...document.querySelectorAll('.heatmap-svg .pw-label')].map((t) => {
              const r = t.getBoundingClientRect();
              return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
            }),
            // a title that wraps breaks between words (or after a hyphen), never inside one,
            // on the lines it shows
            brokenWords: [...document.querySelectorAll('.item-title, .bar-title')].flatMap((el) => {
              const text = el.firstChild;
              if (!text || text.nodeType !== Node.TEXT_NODE) return [];
              const shown = el.getBoundingClientRect().bottom;
              const broken = [];
              for (const match of text.data.matchAll(/[^\\s-]+/g)) {
                const range = document.createRange();
                range.setStart(text, match.index);
                range.setEnd(text, match.index + match[0].length);
                const rects = [...range.getClientRects()].filter((r) => r.top < shown - 1);
                if (new Set(rects.map((r) => Math.round(r.top))).size > 1) broken.push(match[0]);
              }
              return broken;
            }),
            // every Borda score whole inside its row
            scoresCut: [...document.querySelectorAll('.borda-bars > li')].filter((li) => {
              const score = li.querySelector('.bar-score').getBoundingClientRect();
              return score.right > li.getBoundingClientRect().right + 0.5;
            }).length,
            // headings are one line, cut with an ellipsis when too long: none may be cut
            truncated: [...document.querySelectorAll('.screen-live h2')]
              .filter((h) => h.scrollWidth > h.clientWidth + 1)
              .map((h) => h.textContent.trim()),
            // the insights column hides what does not fit: every insight must end inside it
            insights: box('.screen-insights'),
            clipped: (() => {
              const column = document.querySelector('.screen-insights').getBoundingClientRect();
              return [...document.querySelectorAll('.screen-insights > *')]
                .filter((el) => el.getBoundingClientRect().bottom > column.bottom + 1)
                .map((el) => el.dataset.insight || el.tagName);
            })(),
          };
        }"""
    )


@pytest.mark.parametrize("count", [2, SINGLE_WORDS, 8, 17, 30])
def test_the_screen_fits_without_scrolling(live_server, chromium, count):
    code = _session(live_server.app, count)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{live_server.url}/scherm/{code}")
        page.wait_for_selector('[data-result="borda"]')
        page.screenshot(path=str(ARTEFACTS / f"screen-{count}-items-{width}x{height}.png"))
        m = _overflow(page)
        context.close()
        where = f"{count} items at {width}x{height}"
        assert m["height"] <= m["innerHeight"], f"vertical overflow with {where}: {m}"
        assert m["width"] <= m["innerWidth"], f"horizontal overflow with {where}: {m}"
        assert m["rows"] == count
        assert m["cramped"] == 0, f"rows too low for their text with {where}"
        assert m["truncated"] == [], f"headings cut off with {where}: {m['truncated']}"
        assert m["brokenWords"] == [], f"words broken with {where}: {m['brokenWords']}"
        assert m["scoresCut"] == 0, f"Borda scores cut off with {where}"
        for part in ("code", "qr", "lastRow", "lastBar", "heatmap", "heatmapKey"):
            box = m[part]
            assert box["top"] >= 0 and box["bottom"] <= height, f"{part} cut off with {where}"
            assert box["left"] >= 0 and box["right"] <= width, f"{part} cut off with {where}"
        _check_heatmap(m, count, width, height)


def _inside(box: dict, outer: dict) -> bool:
    return (
        box["top"] >= outer["top"] - 0.5
        and box["bottom"] <= outer["bottom"] + 0.5
        and box["left"] >= outer["left"] - 0.5
        and box["right"] <= outer["right"] + 0.5
    )


def _check_heatmap(m: dict, count: int, width: int, height: int) -> None:
    """The heatmap is drawn whole, keyed to the list's places, large enough for a beamer."""
    where = f"{count} items at {width}x{height}"
    assert m["cells"] == count * count
    # rows and columns carry the consensus list's places: every one up to 12 items, beyond
    # the first and every fifth
    step = 1 if count <= 12 else 5
    expected = [
        place
        for k, place in enumerate(m["places"], start=1)
        if step == 1 or k == 1 or k % step == 0
        for _axis in ("row", "column")
    ]
    assert m["labels"] == expected, where
    # the cells a square of at least a fifth of the screen's height (the labels around them),
    # inside the insights column
    cells = m["cellsBox"]
    side = cells["bottom"] - cells["top"]
    assert side >= 0.2 * height, f"heatmap too small with {where}: {m}"
    assert abs((cells["right"] - cells["left"]) - side) < 1, f"cells not square with {where}"
    assert _inside(m["heatmap"], m["insights"]), f"heatmap outside its column with {where}"
    # every label whole inside the drawing and at least 12 px high (1.5 % of the height)
    for label in m["labelBoxes"]:
        assert _inside(label, m["heatmap"]), f"label cut off with {where}: {label}"
        assert label["height"] >= max(12, 0.015 * height), f"label too small with {where}"
    # ... and nothing in the insights column cut off below it
    assert m["clipped"] == [], f"insights cut off with {where}: {m['clipped']}"
