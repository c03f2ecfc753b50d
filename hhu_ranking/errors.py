"""What the app answers to requests it cannot or will not serve.

- Size: ``MAX_CONTENT_LENGTH`` caps every body; Werkzeug caps a multipart form's text
  parts (``MAX_FORM_MEMORY_SIZE``) and parts (``MAX_FORM_PARTS``) but not the fields of an
  url-encoded form, so :func:`_check_body` counts those. The ballot import alone may send
  a larger body (``IMPORT_MAX_CONTENT_LENGTH``). Too large is a 413 page.
- Bodies the pages do not read: Flask-WTF would fill a form from a JSON body, where a list
  or a number in place of a string crashes the validators; outside ``/api/`` a JSON body
  to a page is a 400. So is a multipart part without a name, which Werkzeug reads as the
  key None and Flask-WTF's CSRF check cannot.
- Anything unexpected: logged with its traceback, answered with the plain error page (or
  the API's JSON error), never a traceback. A database that is busy (SQLite's "database is
  locked", a full connection pool) is a 503 with ``Retry-After``: trying again helps.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from .extensions import db

log = logging.getLogger(__name__)

#: endpoints that may receive a body up to ``IMPORT_MAX_CONTENT_LENGTH``
LARGE_BODY_ENDPOINTS = frozenset({"imports.upload"})
#: seconds a client is asked to wait when the database is busy
RETRY_AFTER_SECONDS = 2
_STATE_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _check_body() -> None:
    """Before any view: the size limit of this route, then the fields of a url-encoded form."""
    if request.endpoint in LARGE_BODY_ENDPOINTS:
        request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]
    if request.method not in _STATE_CHANGES:
        return
    if request.is_json and not request.path.startswith("/api/"):
        raise BadRequest(
            _(
                "Deze pagina leest alleen formulieren, geen JSON. Gebruik het formulier op "
                "de pagina zelf."
            )
        )
    if request.mimetype == "multipart/form-data" and any(
        key is None for key in [*request.form, *request.files]
    ):
        # a part without a name (``Content-Disposition: form-data``) is read as the key None,
        # on which Flask-WTF's CSRF check (and any form) fails with an AttributeError
        raise BadRequest(
            _(
                "Dit formulier konden we niet lezen: een veld heeft geen naam. Gebruik het "
                "formulier op de pagina zelf."
            )
        )
    if request.mimetype == "application/x-www-form-urlencoded":
        # read (and cached for the form parser) within MAX_CONTENT_LENGTH: a 413 when longer
        body = request.get_data(cache=True, parse_form_data=False)
        if body.count(b"&") + 1 > current_app.config["MAX_FORM_PARTS"]:
            raise RequestEntityTooLarge()


def is_busy_database(error: BaseException) -> bool:
    """True for errors that mean "the database is busy, try again", not a defect."""
    if isinstance(error, PoolTimeout):
        return True
    # an OperationalError is, by the DB-API's definition, the database's state and not the
    # statement's: locked, busy, connection lost or being restarted; nothing was stored
    return isinstance(error, OperationalError)


def _unexpected(error: Exception) -> ResponseReturnValue:
    """Any exception no other handler took: logged, answered without a traceback."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the page needs no database
        log.warning("rollback after an error failed", exc_info=True)
    answer: HTTPException
    if is_busy_database(error):
        log.warning("database busy on %s %s: %s", request.method, request.path, error)
        answer = ServiceUnavailable(
            _("Het is nu erg druk. Probeer het over een paar seconden nog een keer."),
            retry_after=RETRY_AFTER_SECONDS,
        )
    else:
        log.exception("unexpected error on %s %s", request.method, request.path)
        answer = InternalServerError(original_exception=error)
    return current_app.handle_http_exception(answer)


def init_errors(app: Flask) -> None:
    # first of all hooks: CSRFProtect's reads the form, which must see this route's limit
    app.before_request_funcs.setdefault(None, []).insert(0, _check_body)
    app.register_error_handler(Exception, _unexpected)
