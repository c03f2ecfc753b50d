"""The one place a request's changes are committed or rolled back.

Views call services inside ``with unit_of_work() as work:``. Leaving the block
normally commits; any exception rolls back everything the block did. A
``ServiceError`` (a refusal fit to show) is kept on ``work`` for the view to
render beside its form, or, with ``refusal="raise"``, passed on to the app's
handler, which renders its message with its status. Views never call
``commit()`` or ``rollback()`` themselves, and GET requests never write (after
a GET, nothing may be left pending: see ``tests/web/test_unit_of_work.py``).

Indico does the same once per request in ``RH.process``; a block rather than a
request hook lets a view render the refusal in its own page, with its own
status, on the rolled-back (expired, so freshly loaded) objects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from flask import Flask, current_app, has_request_context, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException, default_exceptions

from ..extensions import db
from ..services.errors import ServiceError

#: the writers of this process on SQLite (re-entrant: a unit of work may call another)
_SQLITE_WRITER = threading.RLock()


@dataclass
class Work:
    """How a unit of work ended: committed (``refused is None``) or refused and rolled back."""

    refused: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None

    @property
    def error(self) -> str | None:
        """The refusal's message, ready to show, or None after a commit."""
        return None if self.refused is None else self.refused.message

    @property
    def status(self) -> int:
        """The HTTP status for the page that follows: the refusal's, else 200."""
        return 200 if self.refused is None else self.refused.status


@contextmanager
def unit_of_work(
    *, refusal: Literal["keep", "raise"] = "keep", keep_loaded: bool = False
) -> Iterator[Work]:
    """Commit what the block did, or roll all of it back.

    ``refusal="keep"`` (the default) catches a ``ServiceError`` into the
    returned ``Work``; ``"raise"`` re-raises it after the rollback, for the
    app's error handler (or the blueprint's, as the API's) to render. Any other
    exception rolls back and propagates. ``keep_loaded`` commits without
    expiring what the block loaded, for a view that shows it right after (a
    phone's ballot: reloading the round, its items and the ballot would double
    the queries of the busiest write in a festival hall).
    """
    session = db.session
    if _reads_only():
        # the GET read in autocommit (``read_outside_a_transaction``); its bookkeeping
        # after the answer (an API token's day of use) gets a transaction of its own
        session.close()
    work = Work()
    # SQLite has one writer at a time; its threads wait in a queue here rather than in
    # SQLite's busy handler, which sleeps up to 100 ms at a time whatever the lock does
    writer = _SQLITE_WRITER if db.engine.dialect.name == "sqlite" else nullcontext()
    with writer:
        yield from _transaction(session, work, refusal=refusal, keep_loaded=keep_loaded)


def _transaction(
    session: Any, work: Work, *, refusal: Literal["keep", "raise"], keep_loaded: bool
) -> Iterator[Work]:
    try:
        yield work
    except ServiceError as refused:
        session.rollback()
        if refusal == "raise":
            raise
        work.refused = refused
    except BaseException:
        session.rollback()
        raise
    else:
        actual = session()
        actual.expire_on_commit = not keep_loaded
        try:
            actual.commit()
        finally:
            actual.expire_on_commit = True


def as_http_error(refused: ServiceError) -> HTTPException:
    """The refusal as the HTTP error of its status, its message as the description."""
    error_class = default_exceptions.get(refused.status, BadRequest)
    return error_class(description=refused.message)


def _render_refusal(refused: ServiceError) -> ResponseReturnValue | HTTPException:
    """A refusal no view kept: its message with its status, on the usual error page.

    The page (or, under ``/api/``, the JSON error) is the one the HTTP error
    handlers already draw, so a refusal looks like ``abort(status, message)``.
    """
    db.session.rollback()  # also when it was raised outside a unit of work
    return current_app.handle_http_exception(as_http_error(refused))


#: methods that only read (issue 7: no GET writes)
READ_METHODS = frozenset({"GET", "HEAD"})


def _reads_only() -> bool:
    return (
        has_request_context()
        and request.method in READ_METHODS
        and db.engine.dialect.name == "postgresql"
        and bool(current_app.config["READS_OUTSIDE_TRANSACTIONS"])
    )


def read_outside_a_transaction() -> None:
    """On PostgreSQL a GET's statements run in autocommit.

    psycopg opens a transaction with a BEGIN of its own round trip and the session
    ends it with a ROLLBACK: two of the five round trips of a phone's ballot page, on
    the cores the festival hall's ballots need. Under READ COMMITTED each statement
    takes its own snapshot either way, so a GET sees exactly what it saw before; the
    pool's connection goes back to transactions when it is returned.
    """
    if _reads_only():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def init_unit_of_work(app: Flask) -> None:
    app.register_error_handler(ServiceError, _render_refusal)
    app.before_request(read_outside_a_transaction)
