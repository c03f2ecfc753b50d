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

A phone poll that asks to ``wait`` is held here while its ETag holds
(``hhu_ranking.long_polls``), and answered as soon as the state moves on, or with
the 304 when its time is up; it holds no work slot meanwhile (``work_slots``: the
requests of a process that work at once, whatever the number of threads).

When the state does change (a round closes, the next place is revealed) the
whole hall is told at once (held polls) or asks within one poll interval, and
gets the same answer: the shared card of the closed round, or "nothing for you"
(204). The view marks such an
answer as shared (``SHARED_HEADER``, with the state version it was made for);
the middleware keeps what Flask sent, headers and compressed body, and gives it
to every other phone of that session whose signed cookie holds a participant
token, in its language and encoding, until the state version moves on; the phones
that ask while it is being rendered wait for it. So the moment of truth costs one
rendering per process, not one per phone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_cookie, parse_etags

from .greenlets import greenlets_serve
from .recent import Recent
from .work_slots import give_back, serve_with, take

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .long_polls import StateWaits, Waited
    from .services.screen import PollVersions
    from .state_notices import StateVersions

#: canonical join codes only: any other spelling is redirected by the views
_PHONE_STATUS = re.compile(r"/j/([A-Z0-9]{6})/status")
_SCREEN = re.compile(r"/scherm/([A-Z0-9]{6})")
#: a phone poll that may be held until its state moves on (hhu_ranking.long_polls)
_WAIT = re.compile(r"(?:^|&)wait=([0-9]{1,3}(?:\.[0-9]+)?)(?:&|$)")
#: the page that asks, so that its next poll ends the one it no longer waits for
PAGE_HEADER = "HTTP_X_HHU_PAGE"
#: the environ key of the signed session cookie as read before a poll was held
_COOKIE = "hhu.cookie"
#: how long a poll waits for the shared answer another request of its process renders
RENDER_WAIT_SECONDS = 5.0

#: by the driver's parameter style: psycopg's ``%s``, sqlite3's ``?``
_PHONE_SQL = {
    False: "SELECT state_version FROM ranking_session WHERE join_code = %s",
    True: "SELECT state_version FROM ranking_session WHERE join_code = ?",
}
PHONE_HEADERS = [("Cache-Control", "no-store")]
SCREEN_HEADERS = [("Vary", "HX-Request"), ("Cache-Control", "no-cache")]
#: set by a view on an answer every participant of the session gets alike: ``<session id>:<state
#: version>``; the middleware takes it off before the answer leaves
SHARED_HEADER = "X-Hhu-Shared-Poll"

#: what a participant's signed session cookie says: its tokens by session id, and its language
CookieReader = Callable[[str], "dict[str, Any] | None"]


def poll_tag_key(secret_key: str) -> bytes:
    """The key that seals the polls' tags, derived from the app's secret key."""
    return hashlib.sha256(b"hhu-ranking poll tags\0" + secret_key.encode()).digest()


def _sealed(tag: str, code: str, key: bytes) -> str:
    """``tag`` with a MAC of the join code: a 304 is only ever the answer to a tag this
    server gave out, so a guessed code with guessed versions ("p1", "p2"…) is never one,
    and the 304 tells a guesser no more than the 404 (which the limits guard)."""
    mac = hmac.new(key, f"{code}:{tag}".encode(), hashlib.sha256).hexdigest()[:12]
    return f"{tag}.{mac}"


def phone_etag(state_version: int, code: str, key: bytes) -> str:
    """The phone's status poll: only a change of rounds or joining matters to it."""
    return _sealed(f"p{state_version}", code, key)


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


def screen_etag(versions: PollVersions, code: str, key: bytes, *, fragment: bool) -> str:
    """The big screen: page and polled fragment are two representations of one URL."""
    return _sealed(("F-" if fragment else "P-") + versions.etag, code, key)


@dataclass(frozen=True)
class SharedAnswer:
    session_id: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class ConditionalPolls:
    """WSGI middleware: a 304 for an unchanged phone status or big screen, without Flask,
    and the answer the whole hall shares once the state changed."""

    def __init__(
        self,
        app: WSGIApplication,
        engine: Engine,
        *,
        read_cookie: CookieReader | None = None,
        cookie_name: str = "session",
        languages: Iterable[str] = ("nl", "en"),
        default_language: str = "nl",
        notices: StateVersions | None = None,
        tag_key: bytes = b"",
        max_wait: float = 0.0,
        waiters: int = 0,
        work_slots: int = 0,
    ) -> None:
        self.app = app
        #: at most ``waiters`` phone polls held until their state moves on, each for at most
        #: ``max_wait`` seconds
        self.waits: StateWaits | None = None
        if max_wait > 0 and waiters > 0:
            from .long_polls import StateWaits

            self.waits = StateWaits(self._phone_version, capacity=waiters)
            if notices is not None:
                notices.on_notice = self.waits.look_now
        self._max_wait = max_wait
        #: requests working at once (0: no limit); a held poll gives its slot back. Without
        #: held polls gunicorn's threads are the slots, and every request is spared the gate
        #: (gevent's greenlets are no such limit)
        limit = work_slots > 0 and (self.waits is not None or greenlets_serve())
        self._slots = threading.Semaphore(work_slots) if limit else None
        # gunicorn's threads take them before they read a request (gunicorn_worker)
        serve_with(self._slots)
        #: shared answers being rendered now, by key: the events of the requests waiting
        self._rendering: dict[tuple[Any, ...], list[threading.Event]] = {}
        self._rendering_lock = threading.Lock()
        self._tag_key = tag_key
        self.engine = engine
        #: PostgreSQL's notices of state versions: an unchanged phone poll needs no query
        self.notices = notices
        #: the shared answers of recent state versions
        self.shared: Recent[tuple[Any, ...], SharedAnswer] = Recent(256)
        self._read_cookie = read_cookie
        self._cookie_name = cookie_name
        self._languages = frozenset(languages)
        self._default_language = default_language
        # the phone's question as the driver's own SQL: a thousand a second, each worth saving
        # SQLAlchemy's statement and connection layers for (a tenth of a millisecond apiece)
        self._phone_sql = _PHONE_SQL[engine.dialect.paramstyle == "qmark"]
        self._postgresql = engine.dialect.name == "postgresql"
        dbapi = engine.dialect.dbapi
        self._database_errors: tuple[type[BaseException], ...] = (SQLAlchemyError,) + (
            (dbapi.Error,) if dbapi is not None else ()
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._slots is None:
            return self._serve(environ, start_response)
        # a slot is taken for the app (``_app``), not for an unchanged poll answered here
        # (one indexed read, none at all with PostgreSQL's notices): in a saturated hall the
        # hall's cheapest and most frequent request does not queue behind every view. Given
        # back once answered: Flask has closed its request context (and returned its
        # connection) when it returns
        try:
            return self._serve(environ, start_response)
        finally:
            give_back(self._slots)

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        take(self._slots)
        return self.app(environ, start_response)

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags and environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO", "")
            answer = self._unchanged(path, environ, tags)
            if answer is not None and (held := self._hold(path, environ)) is not None:
                waited, seconds = held
                if waited.end == "changed":
                    # the state version the watcher read: the phone's tag no longer holds
                    environ["hhu.state_version"] = waited.version
                    try:
                        return self._shared_or_app(environ, start_response)
                    finally:
                        if waited.answered is not None:
                            waited.answered.set()
                else:
                    timing = ("Server-Timing", f"wait;dur={seconds * 1000:.0f}")
                    answer = (answer[0], [*answer[1], timing])
            if answer is not None:
                etag, headers = answer
                start_response("304 NOT MODIFIED", [("ETag", f'"{etag}"'), *headers])
                return []
            if _PHONE_STATUS.fullmatch(path) and self._read_cookie is not None:
                return self._shared_or_app(environ, start_response)
        return self._app(environ, start_response)

    # -- the held poll --------------------------------------------------------------------

    def _hold(self, path: str, environ: WSGIEnvironment) -> tuple[Waited, float] | None:
        """Hold an unchanged phone poll that asks to wait: (why it ended, seconds held),
        or None when this poll is answered at once."""
        if self.waits is None:
            return None
        asked = _WAIT.search(environ.get("QUERY_STRING", ""))
        version = environ.get("hhu.state_version")
        phone = _PHONE_STATUS.fullmatch(path)
        if asked is None or version is None or phone is None:
            return None
        seconds = min(float(asked.group(1)), self._max_wait)
        if seconds <= 0:
            return None
        started = time.monotonic()
        give_back(self._slots)  # the one gthread took before reading it; taken again for a view
        # read while the hall is quiet: woken by a change, it answers from memory at once
        environ[_COOKIE] = self._cookie(environ)
        waited = self.waits.wait(phone.group(1), version, seconds, environ.get(PAGE_HEADER))
        return waited, time.monotonic() - started

    # -- the answer the hall shares -------------------------------------------------------

    def _shared_or_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The stored shared answer for this state, else the view's (kept when it is shared)."""
        cookie = environ[_COOKIE] if _COOKIE in environ else self._cookie(environ)
        language = self._language(environ, cookie)
        version = environ.get("hhu.state_version")
        if language is None:
            return self._app(environ, start_response)
        if version is None:
            return self._keep_if_shared(environ, start_response, language)
        key = self._shared_key(environ, version, language)
        answer = self.shared.get(key)
        if answer is None:
            # a hall told at once (a held poll woken by the close) would render it once per
            # phone: one request of the process renders, the others wait for its answer
            # (each waits on an event of its own: a thousand threads woken through one
            # Condition would queue for its lock, and for the GIL, one by one)
            told = threading.Event()
            with self._rendering_lock:
                waiting = self._rendering.get(key)
                if waiting is None:
                    self._rendering[key] = []
                else:
                    waiting.append(told)
            if waiting is None:
                try:
                    return self._keep_if_shared(environ, start_response, language)
                finally:
                    with self._rendering_lock:
                        waiting = self._rendering.pop(key)
                    for event in waiting:
                        event.set()
            give_back(self._slots)
            told.wait(RENDER_WAIT_SECONDS)
            answer = self.shared.get(key)
        if answer is not None and _holds_token(cookie, answer.session_id):
            start_response(answer.status, answer.headers)
            return [answer.body]
        return self._keep_if_shared(environ, start_response, language)

    def _keep_if_shared(
        self, environ: WSGIEnvironment, start_response: StartResponse, language: str
    ) -> Iterable[bytes]:
        sent: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            marker = next((v for k, v in headers if k == SHARED_HEADER), None)
            if marker is not None:
                headers = [(k, v) for k, v in headers if k != SHARED_HEADER]
                # this phone's own cookie stays its own: the others keep theirs
                kept = [(k, v) for k, v in headers if k.lower() != "set-cookie"]
                sent.update(marker=marker, status=status, headers=kept)
            return start_response(status, headers, exc_info)

        body = self._app(environ, capture)
        if not sent:
            return body
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        session_id, _, version = str(sent["marker"]).partition(":")
        if session_id.isdigit() and version.isdigit():
            key = self._shared_key(environ, int(version), language)
            self.shared.put(
                key, SharedAnswer(int(session_id), sent["status"], sent["headers"], content)
            )
        return [content]

    @staticmethod
    def _shared_key(environ: WSGIEnvironment, version: int, language: str) -> tuple[Any, ...]:
        return (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            version,
            language,
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("HTTP_HX_REQUEST", ""),
        )

    def _cookie(self, environ: WSGIEnvironment) -> dict[str, Any] | None:
        raw = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self._cookie_name)
        if not raw or self._read_cookie is None:
            return None
        return self._read_cookie(raw)

    def _language(self, environ: WSGIEnvironment, cookie: dict[str, Any] | None) -> str | None:
        """The page's language as the view would choose it; None when the request chooses
        one itself (``?lang=``: the view remembers it in the cookie)."""
        if "lang=" in environ.get("QUERY_STRING", ""):
            return None
        stored = cookie.get("lang") if cookie else None
        return stored if stored in self._languages else self._default_language

    def _unchanged(
        self, path: str, environ: WSGIEnvironment, tags: str
    ) -> tuple[str, list[tuple[str, str]]] | None:
        """The current tag and headers when the client already has it, else None."""
        try:
            if phone := _PHONE_STATUS.fullmatch(path):
                version = self._phone_version(phone.group(1))
                environ["hhu.state_version"] = version
                etag = (
                    None if version is None else phone_etag(version, phone.group(1), self._tag_key)
                )
                headers = PHONE_HEADERS
            elif screen := _SCREEN.fullmatch(path):
                code = screen.group(1)
                fragment = environ.get("HTTP_HX_REQUEST") == "true"
                etag = self._current(lambda conn: _screen_tag(conn, code, fragment, self._tag_key))
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
        if self.notices is None:
            return self._read_phone_version(code)
        version, generation = self.notices.lookup(code)
        if version is None:
            version = self._read_phone_version(code)
            self.notices.learned(code, version, generation)
        return version

    def _read_phone_version(self, code: str) -> int | None:
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


def session_cookie_reader(app: Flask) -> CookieReader:
    """Read Flask's signed session cookie as Flask itself would (same key, salt and age)."""
    interface = app.session_interface
    serializer = (
        interface.get_signing_serializer(app)
        if isinstance(interface, SecureCookieSessionInterface)
        else None
    )
    max_age = int(app.permanent_session_lifetime.total_seconds())

    def read(raw: str) -> dict[str, Any] | None:
        if serializer is None:
            return None
        try:
            data = serializer.loads(raw, max_age=max_age)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    return read


def _holds_token(cookie: dict[str, Any] | None, session_id: int) -> bool:
    """The cookie we signed holds a participant token for this session (its check against
    the database is the view's; the shared answer shows nothing of any one participant)."""
    tokens = cookie.get("participants") if cookie else None
    return isinstance(tokens, dict) and isinstance(tokens.get(str(session_id)), str)


def _screen_tag(conn: Any, code: str, fragment: bool, key: bytes) -> str | None:
    from .services.screen import poll_versions

    versions = poll_versions(conn, code)
    return None if versions is None else screen_etag(versions, code, key, fragment=fragment)
