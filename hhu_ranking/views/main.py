"""Home page, health check and the error pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..errors import LARGE_BODY_ENDPOINTS
from ..extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200


def _explain(error: HTTPException) -> tuple[str, str]:
    """A heading and a sentence for an HTTP error, in the request's language."""
    code = error.code or 500
    if isinstance(error, CSRFError):
        return _("Deze pagina was verlopen"), _(
            "Ga terug, laad de pagina opnieuw en probeer het nog een keer."
        )
    if isinstance(error, RateLimitExceeded):
        return _("Even rustig aan"), _(
            "Je hebt het te vaak geprobeerd. Wacht een minuut en probeer het dan opnieuw."
        )
    # a description passed to abort() is already a translated sentence; the default is English
    custom = error.description if error.description != type(error).description else None
    if code == 429:
        return _("Even rustig aan"), custom or _(
            "Je hebt het te vaak geprobeerd. Wacht een minuut en probeer het dan opnieuw."
        )
    if code == 403:
        return _("Geen toegang"), custom or _("Je mag deze pagina niet bekijken.")
    if code == 404:
        return _("Niet gevonden"), custom or _(
            "Deze pagina bestaat niet (meer). Kijk of het adres klopt."
        )
    if code == 405:
        return _("Dat kan hier niet"), _("Deze pagina kan dit verzoek niet verwerken.")
    if code == 409:
        return _("Dat kan nu niet"), custom or _(
            "Er is intussen iets veranderd. Laad de pagina opnieuw."
        )
    if code == 413:
        if request.endpoint in LARGE_BODY_ENDPOINTS:
            limit = current_app.config["IMPORT_MAX_CONTENT_LENGTH"] // 1000
            return _("Te groot"), _(
                "Dit bestand is te groot: een bestand mag hoogstens %(n)d kB zijn. "
                "Splits het in kleinere bestanden.",
                n=limit,
            )
        return _("Te groot"), _(
            "Wat je stuurde is groter dan deze pagina aanneemt. Maak het korter en "
            "probeer het nog een keer."
        )
    if code == 503:
        return _("Even geduld"), custom or _(
            "Het is nu erg druk. Probeer het over een paar seconden nog een keer."
        )
    if code < 500:
        return _("Dat ging niet goed"), custom or _(
            "Je verzoek kon niet worden gelezen. Ga terug en probeer het nog een keer."
        )
    return _("Er ging iets mis"), _("Er ging bij ons iets mis. Probeer het zo nog een keer.")


@bp.app_errorhandler(HTTPException)
def error_page(error: HTTPException) -> HTTPException | Response:
    """Errors on every page in Dutch or English (the API answers in JSON on its own)."""
    if request.path.startswith("/api/") or error.response is not None:
        return error
    heading, message = _explain(error)
    # werkzeug's own response keeps headers such as Allow and Retry-After; only the body changes
    response = error.get_response()
    response.set_data(
        render_template("errors/error.html", heading=heading, message=message, code=error.code)
    )
    response.content_type = "text/html; charset=utf-8"
    return response
