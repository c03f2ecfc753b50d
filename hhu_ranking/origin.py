"""Class 11: a state-changing request from another site is refused before any view runs.

CSRF tokens already guard every form and htmx request; this is the second, cheaper line
that browsers give us for free. A POST (or PUT, PATCH, DELETE) whose ``Origin`` header, or
when that is absent its ``Referer``, names another host than the one the request was sent
to (or ``PUBLIC_BASE_URL``'s) is a 403 with a clear message. Without either header (old
browsers, scripts, privacy tools) the request goes on and the CSRF token decides. The
token-authenticated API is left alone: it takes no cookies, so another site gains nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _

_STATE_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: the API authenticates with a bearer token, never a cookie
EXEMPT_PREFIX = "/api/"


def _host_of(url: str) -> str | None:
    """``host[:port]`` of an absolute URL in lower case, the scheme's default port left out;
    None when the URL names no host (``null``, a relative or malformed value)."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.scheme not in _DEFAULT_PORTS:
        return None
    return host if port is None or str(port) == _DEFAULT_PORTS[parts.scheme] else f"{host}:{port}"


def _own_hosts() -> set[str]:
    scheme = request.scheme if request.scheme in _DEFAULT_PORTS else "http"
    hosts = {_host_of(f"{scheme}://{request.host}")}
    if public := current_app.config.get("PUBLIC_BASE_URL"):
        hosts.add(_host_of(str(public)))
    return {host for host in hosts if host}


def is_foreign(origin: str | None, referer: str | None) -> bool:
    """True when the request says it comes from a page of another site."""
    claimed = origin if origin is not None else referer
    if claimed is None or not claimed.strip():
        return False
    # "null" (a sandboxed frame, a cross-site redirect) names no host of ours either
    return _host_of(claimed) not in _own_hosts()


def _check_origin() -> None:
    if request.method not in _STATE_CHANGES or request.path.startswith(EXEMPT_PREFIX):
        return
    if is_foreign(request.headers.get("Origin"), request.headers.get("Referer")):
        abort(
            403,
            _(
                "Dit verzoek kwam van een andere website en is daarom geweigerd. Open deze "
                "site zelf en probeer het daar nog een keer."
            ),
        )


def init_origin(app: Flask) -> None:
    # first of all hooks: a header decides, before the body is read or a token checked
    app.before_request_funcs.setdefault(None, []).insert(0, _check_origin)
