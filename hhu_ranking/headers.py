"""Security headers on every response Flask answers.

A small ``after_request`` hook rather than a library (flask-talisman would also redirect to
HTTPS and rewrite cookies, which the proxy and our config already decide).

- ``Content-Security-Policy``: everything from this site only, no inline or evaluated
  script (htmx runs with ``allowEval: false`` and ``includeIndicatorStyles: false`` from
  the ``htmx-config`` meta tag in ``base.html``; every script is a file in ``static/``).
  Styles allow ``'unsafe-inline'`` for one reason: the big screen's bars carry their width
  in a ``style`` attribute computed on the server from numbers, never from typed text.
  Without script, an injected style can at most restyle the page.
- Framing: ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (the facilitator's
  open/close buttons cannot be framed); the big screen may be framed by this site itself.
- ``nosniff``, a ``Referrer-Policy`` that keeps join links on this site, and HSTS when the
  request came over HTTPS or the app is configured for it (``SESSION_COOKIE_SECURE``).
- ``Cache-Control``: a page for a logged-in user is never stored by the browser or a
  proxy (``private, no-store``); a view that asked for revalidation (``no-cache``, with an
  ETag) keeps it, made ``private``.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from werkzeug.wrappers import Response

_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: blueprints whose pages this site may frame (a dashboard showing the big screen)
FRAMEABLE_BLUEPRINTS = frozenset({"screen"})
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(*, frameable: bool = False) -> str:
    policy = dict(_POLICY, **({"frame-ancestors": "'self'"} if frameable else {}))
    return "; ".join(f"{name} {value}" for name, value in policy.items())


_DEFAULT_POLICY = content_security_policy()
_FRAMEABLE_POLICY = content_security_policy(frameable=True)


def _logged_in() -> bool:
    # the cookie says so without loading the account: a phone's poll costs no query
    return "_user_id" in session or "remember_token" in request.cookies


def _secure_headers(response: Response) -> Response:
    frameable = request.blueprint in FRAMEABLE_BLUEPRINTS
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", _FRAMEABLE_POLICY if frameable else _DEFAULT_POLICY
    )
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frameable else "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _logged_in():
        cache = response.cache_control
        if cache.no_cache or cache.no_store:
            cache.private = True
            cache.public = False
        else:
            response.headers["Cache-Control"] = "private, no-store"
    return response


def init_headers(app: Flask) -> None:
    app.after_request(_secure_headers)
