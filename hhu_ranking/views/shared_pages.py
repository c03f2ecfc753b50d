"""Pages every phone of a session gets alike, rendered once per process and state.

A festival hall of thousands opens the same join page, and before voting sees the
same ballot: the same round, in the round's order, in one of two languages. Only
the CSRF token differs from phone to phone. Rendering such a page costs more than
everything else its request does, so it is rendered once, with a placeholder where
the token goes, and each phone gets that text with its own token put in.

The key names everything the page shows (the caller's job, from what the request
already loaded: the session's state version and settings, the round, the language),
so a stored page is never shown for another state, on this host or any other. The
least recently used go first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..recent import Recent

#: stands in for the CSRF token while a shared page is rendered: letters only, so HTML
#: and JSON escaping leave it as it is, like the token itself (URL-safe base64 and dots)
TOKEN_PLACEHOLDER = "hhuSharedPageCsrfTokenPlaceholder"  # noqa: S105 (not a secret)
_EXTENSION = "hhu_shared_pages"
_PARTS = "hhu_shared_parts"


def init_shared_pages(app: Flask) -> None:
    app.extensions[_EXTENSION] = Recent[Hashable, str](128)
    # a round's items at each place, in each language: thirty items at thirty places is 900
    app.extensions[_PARTS] = Recent[Hashable, str](4096)


def shareable() -> bool:
    """Whether this request may get a shared page: nothing in it is the visitor's own.

    Not for a logged-in user (the header shows their menu), with messages waiting in
    the session (a page shows them once), or with a query string (``?lang=`` is
    remembered by rendering; the language links repeat the query).
    """
    return (
        not request.query_string
        and "_user_id" not in session
        and "_flashes" not in session
        and "remember_token" not in request.cookies
    )


def render_shared(key: Hashable, render: Callable[[], str]) -> Markup:
    """The page for ``key`` with this visitor's CSRF token, rendered only if not stored.

    ``render`` must draw the token with ``csrf_token()`` (Flask-WTF's ``generate_csrf``,
    which returns ``g.csrf_token`` when the request has one).
    """
    pages: Recent[Hashable, str] = current_app.extensions[_EXTENSION]
    page = pages.get(key)
    if page is None:
        own = g.pop("csrf_token", None)
        g.csrf_token = TOKEN_PLACEHOLDER
        try:
            page = render()
        finally:
            g.pop("csrf_token", None)
            if own is not None:
                g.csrf_token = own
        pages.put(key, page)
    # the page is our own rendering, escaped when it was drawn; only the token goes in
    return Markup(page.replace(TOKEN_PLACEHOLDER, generate_csrf()))  # noqa: S704


def render_shared_part(key: Hashable, render: Callable[[], str]) -> Markup:
    """A part of a page that is the same wherever it appears, rendered only if not stored.

    For the items of a phone's own ordered ballot: every phone puts the same items in its
    own order, so each item at each place is drawn once. No CSRF token may be in it.
    """
    parts: Recent[Hashable, str] = current_app.extensions[_PARTS]
    part = parts.get(key)
    if part is None:
        part = render()
        parts.put(key, part)
    return Markup(part)  # noqa: S704 (our own rendering, escaped when it was drawn)
