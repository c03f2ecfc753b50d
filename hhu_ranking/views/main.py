"""Home page, health check and the error pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

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
        return _("Te groot"), _("Wat je stuurde is te groot.")
    if code == 503:
        return _("Het is even heel druk"), _(
            "Je verzoek is nog niet verwerkt. Probeer het over een paar tellen opnieuw."
        )
    if code < 500:
        return _("Dat ging niet goed"), custom or _(
            "Je verzoek kon niet worden gelezen. Ga terug en probeer het nog een keer."
        )
    return _("Er ging iets mis"), _("Er ging bij ons iets mis. Probeer het zo nog een keer.")


#: how long a client waits before it asks again when the database is busy (seconds)
BUSY_RETRY_AFTER = 2


@bp.app_errorhandler(OperationalError)
@bp.app_errorhandler(PoolTimeoutError)
def database_busy(error: Exception) -> HTTPException | Response:
    """A locked SQLite, a full pool or a lost database connection is a moment, not a bug.

    Nothing was stored (the unit of work rolled back), so the phone may send its ballot
    again: 503 with Retry-After, which the pages retry by themselves (static/js/poll.js).
    """
    db.session.rollback()
    current_app.logger.warning("database busy, answered 503: %s", error)
    unavailable = ServiceUnavailable(retry_after=BUSY_RETRY_AFTER)
    return error_page(unavailable)  # werkzeug's response carries the Retry-After


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
