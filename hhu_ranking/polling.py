"""The two polls of a live session, answered before Flask while nothing has changed.

Every phone asks "anything new?" every few seconds and every projector every
second; in a festival hall that is a thousand requests a second, and almost
every answer is 304 Not Modified, decided by one indexed SELECT. Through
Flask each of those cost ten times that query (the request context, the signed
session cookie, the limiter, an ORM session). This WSGI middleware gives a
conditional poll whose ETag still holds the same 304 its view would give, from
one Core query on the app's engine; every other request, and any poll it
cannot settle, goes on to Flask unchanged. The tags themselves are made here,
for the views and the middleware alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_etags

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .services.screen import PollVersions

#: canonical join codes only: any other spelling is redirected by the views
_PHONE_STATUS = re.compile(r"/j/([A-Z0-9]{6})/status")
_SCREEN = re.compile(r"/scherm/([A-Z0-9]{6})")

#: by the driver's parameter style: psycopg's ``%s``, sqlite3's ``?``
_PHONE_SQL = {
    False: "SELECT state_version FROM ranking_session WHERE join_code = %s",
    True: "SELECT state_version FROM ranking_session WHERE join_code = ?",
}
PHONE_HEADERS = [("Cache-Control", "no-store")]
SCREEN_HEADERS = [("Vary", "HX-Request"), ("Cache-Control", "no-cache")]


def phone_etag(state_version: int) -> str:
    """The phone's status poll: only a change of rounds or joining matters to it."""
    return f"p{state_version}"


def phone_poll_seconds(base: float, joined: int, polls_per_second: float) -> float:
    """How often a phone asks: every ``base`` seconds, less often in a very large hall.

    The phones of a session together ask at most ``polls_per_second`` times a
    second (PHONE_POLLS_PER_SECOND): 1,000 phones every 2 s, 2,000 every 4 s.
    What a phone waits for (a round opening or closing) can take that long to
    show; its own ballot, and the big screen, never wait for it.
    """
    if polls_per_second <= 0:
        return base
    return round(max(base, joined / polls_per_second), 1)


def screen_etag(versions: PollVersions, *, fragment: bool) -> str:
    """The big screen: page and polled fragment are two representations of one URL."""
    return ("F-" if fragment else "P-") + versions.etag


class ConditionalPolls:
    """WSGI middleware: a 304 for an unchanged phone status or big screen, without Flask."""

    def __init__(self, app: WSGIApplication, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        # the phone's question as the driver's own SQL: a thousand a second, each worth saving
        # SQLAlchemy's statement and connection layers for (a tenth of a millisecond apiece)
        self._phone_sql = _PHONE_SQL[engine.dialect.paramstyle == "qmark"]
        self._postgresql = engine.dialect.name == "postgresql"
        dbapi = engine.dialect.dbapi
        self._database_errors: tuple[type[BaseException], ...] = (SQLAlchemyError,) + (
            (dbapi.Error,) if dbapi is not None else ()
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags and environ.get("REQUEST_METHOD") == "GET":
            answer = self._unchanged(environ.get("PATH_INFO", ""), environ, tags)
            if answer is not None:
                etag, headers = answer
                start_response("304 NOT MODIFIED", [("ETag", f'"{etag}"'), *headers])
                return []
        return self.app(environ, start_response)

    def _unchanged(
        self, path: str, environ: WSGIEnvironment, tags: str
    ) -> tuple[str, list[tuple[str, str]]] | None:
        """The current tag and headers when the client already has it, else None."""
        try:
            if phone := _PHONE_STATUS.fullmatch(path):
                version = self._phone_version(phone.group(1))
                etag = None if version is None else phone_etag(version)
                headers = PHONE_HEADERS
            elif screen := _SCREEN.fullmatch(path):
                code = screen.group(1)
                fragment = environ.get("HTTP_HX_REQUEST") == "true"
                etag = self._current(lambda conn: _screen_tag(conn, code, fragment))
                headers = SCREEN_HEADERS
            else:
                return None
        except self._database_errors:
            return None  # the view answers (and its error handling explains)
        if etag is None or not parse_etags(tags).contains(etag):
            return None
        return etag, headers

    def _current(self, read: Callable[[Any], str | None]) -> str | None:
        with self.engine.connect() as conn:
            return read(conn)

    def _phone_version(self, code: str) -> int | None:
        connection = self.engine.raw_connection()  # from the app's pool, returned on close
        driver = connection.driver_connection
        # one statement, no transaction: psycopg would otherwise add a BEGIN and a ROLLBACK
        autocommit = self._postgresql
        try:
            if autocommit:
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = connection.cursor()
            try:
                cursor.execute(self._phone_sql, (code,))
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            if autocommit:
                driver.autocommit = False  # type: ignore[union-attr]
            connection.close()
        return None if row is None else int(row[0])


def _screen_tag(conn: Any, code: str, fragment: bool) -> str | None:
    from .services.screen import poll_versions

    versions = poll_versions(conn, code)
    return None if versions is None else screen_etag(versions, fragment=fragment)
