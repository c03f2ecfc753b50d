"""What the benchmarks read out of the app's pages, as htmx and a browser would."""

from __future__ import annotations

import html
import json
import re

VOTED = re.compile(r'data-count="voted"><strong>(\d+)</strong>')


def attr(pattern: str, text: str, what: str) -> str:
    """The first group of ``pattern`` in ``text``, unescaped; an error naming ``what``."""
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"no {what} in the page")
    return html.unescape(match.group(1))


def hx_headers(fragment: str) -> dict[str, str]:
    """The ``hx-headers`` of the first element in a fragment, as htmx reads it."""
    match = re.search(r"<(?:section|div) [^>]*?hx-headers='([^']*)'", fragment)
    return dict(json.loads(html.unescape(match.group(1)))) if match else {}


def body_csrf(page: str) -> str:
    """``X-CSRFToken`` from the body's hx-headers, which htmx adds to every request."""
    found = json.loads(html.unescape(attr(r"<body [^>]*hx-headers='([^']*)'", page, "body")))
    return str(found["X-CSRFToken"])


def interval_of(fragment: str) -> float:
    """How often a fragment's first polled element asks: ``hx-trigger="every Ns"``, or a
    long-polled one's ``data-poll-seconds`` (its least time between two polls)."""
    if long_polled(fragment):
        return float(attr(r'data-poll-seconds="([0-9.]+)"', fragment, "poll interval"))
    return float(attr(r'hx-trigger="every ([0-9.]+)s[,"]', fragment, "poll interval"))


def long_polled(fragment: str) -> bool:
    """The fragment's first polled element is held by the server until its state moves on
    (``data-long-poll``; poll.js asks again as soon as it is answered)."""
    element = re.search(r"<div [^>]*?hx-get=[^>]*>", fragment)
    return element is not None and "data-long-poll" in element.group(0)


def htmx_headers(
    current_url: str, target: str, csrf: str, *, poll: bool = False, **extra: str
) -> dict[str, str]:
    """What htmx sends with a request from the element ``#target``: a poll (``poll``) names
    itself as the trigger too. ``extra`` are more headers, ``_`` for ``-`` in their names."""
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": current_url,
        "HX-Target": target,
        "X-CSRFToken": csrf,
    }
    if poll:
        headers["HX-Trigger"] = target
    headers.update({name.replace("_", "-"): value for name, value in extra.items()})
    return headers
