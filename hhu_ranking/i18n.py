"""Language choice: Dutch by default, English on request, remembered in the session.

Source strings are Dutch (the users' language); ``translations/en`` holds English.
There is no Dutch catalogue: with the locale ``nl`` gettext finds no translation
and returns the Dutch msgid itself. A missing English translation therefore
falls back to Dutch, never to a blank.

Outside a request (the command line, tests calling services in an app context)
the default locale, Dutch, applies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_translations, refresh, to_user_timezone
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if not has_request_context():
        return default
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return str(chosen)
    stored = session.get("lang")
    if stored in languages:
        return str(stored)
    return default


def local_today() -> date:
    """Today in the room (the app's time zone, Europe/Amsterdam), not on the server's UTC clock."""
    return to_user_timezone(datetime.now(UTC)).date()


def lang_url(lang: str) -> str:
    """This page in another language: the same path and query string, with ``lang`` set."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return quote(request.script_root + request.path) + "?" + urlencode([*args, ("lang", lang)])


def _request_translations() -> Any:
    """The catalogue of this request's language, from flask_babel's per-request namespace."""
    holder = getattr(g, "_flask_babel", None)
    cached = getattr(holder, "babel_translations", None)
    if cached is None:
        cached = get_translations()
        holder = getattr(g, "_flask_babel", None)
        if holder is not None:
            holder.babel_translations = cached  # refresh() deletes this very name
    return cached


@pass_context
def _template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """Jinja's newstyle ``gettext``, in one call: the translation, escaped like any
    other value unless it is Markup, with ``%(name)s`` filled in (and escaped)."""
    translated: str = _request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 (our own catalogue, as Jinja does)
    # formatting without a ``%`` in the string gives the same string (``%%`` needs it)
    return translated % variables if variables or "%" in translated else translated


def init_i18n(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    # a request inside an outer app context (a test, a CLI command) shares its ``g``, where
    # flask_babel caches the locale: choose it afresh for every request
    app.before_request(refresh)
    # every ``_()`` in a template looked the catalogue up anew through flask_babel (a fifth of
    # the time of a phone's ballot page); look it up once per request, where flask_babel's
    # own ``refresh()`` forgets it when the language changes
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )
    # ``_()`` is the commonest call in the templates (fifty in a phone's ballot fragment);
    # Jinja's own goes through three ``Context.call``s per string, this one through one
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext

    @app.context_processor
    def _language() -> dict[str, object]:
        return {
            "current_lang": select_locale(),
            "languages": app.config["LANGUAGES"],
            "lang_url": lang_url,
        }
