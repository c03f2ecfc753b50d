"""Language choice: Dutch by default, English on request, remembered in the session.

Source strings are Dutch (the users' language); ``translations/en`` holds English.
A missing English translation therefore falls back to Dutch, never to a blank.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import Babel

TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return str(chosen)
    stored = session.get("lang")
    if stored in languages:
        return str(stored)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_i18n(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"current_lang": select_locale(), "languages": app.config["LANGUAGES"]}
