"""The one base URL: where people reach the app, for links that leave the page.

Behind a proxy the request's own host may be an internal name, so a
deployment sets ``PUBLIC_BASE_URL`` to the address people can reach; the QR
code's join link, the facilitator's copyable links and the OpenAPI document's
server all start from it.
"""

from __future__ import annotations

from flask import current_app, request


def base_url() -> str:
    """``PUBLIC_BASE_URL`` when set, else this request's host; never a trailing slash."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip() or request.url_root
    return str(base).rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (as ``url_for`` builds it, starting with ``/``) on the base URL."""
    return base_url() + path
