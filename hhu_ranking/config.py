"""Configuration: defaults, then the environment, then a test mapping.

Nothing secret is written here. When ``SECRET_KEY`` is not in the environment
a key is generated once and kept in ``instance/secret_key`` so that every
gunicorn worker (and every restart) signs cookies with the same key.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import warnings
from collections.abc import Mapping
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

#: a kept key shorter than this is a damaged file, not a key (ours are 64 characters)
_MIN_KEY_LENGTH = 32


class SecretKeyError(RuntimeError):
    """The app cannot get a signing key that every worker shares and that survives a restart."""


def _read_key(path: Path) -> str | None:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        return None
    return key if len(key) >= _MIN_KEY_LENGTH else None


def _instance_secret(instance_path: Path) -> str:
    """The key kept in ``instance/secret_key``, made once, atomically.

    The key is written to a temporary file beside it and linked into place: a process
    starting at the same moment finds either no file or the whole key, never an empty
    one. When two start at once, ``os.link`` lets exactly one win and the other reads the
    winner's key. A file left empty or cut short (by an older version, or a full disk) is
    replaced the same way.
    """
    path = instance_path / "secret_key"
    if (key := _read_key(path)) is not None:
        return key
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd, partial = tempfile.mkstemp(prefix=".secret_key.", dir=instance_path)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            if (kept := _read_key(path)) is not None:
                return kept
            os.replace(partial, path)  # a damaged key: the new one takes its place
    finally:
        with suppress(FileNotFoundError):
            os.unlink(partial)
    return _read_key(path) or key


def _under_gunicorn() -> bool:
    return "gunicorn.arbiter" in sys.modules or "gunicorn" in os.environ.get("SERVER_SOFTWARE", "")


def _secret_key(instance_path: Path) -> str:
    """The signing key: ``SECRET_KEY``, else the kept one; refused when it cannot be kept.

    Under gunicorn a key only this process knows would sign cookies no other worker (and
    no restart) accepts: the app refuses to start instead. Elsewhere (a shell, a test)
    it makes do with a key for this process and says so.
    """
    try:
        return _instance_secret(instance_path)
    except OSError as error:
        if _under_gunicorn():
            raise SecretKeyError(
                f"no SECRET_KEY in the environment and none can be kept in {instance_path}"
                f" ({error}); set SECRET_KEY or make that directory writable"
            ) from error
        warnings.warn(
            f"SECRET_KEY not set and {instance_path} not writable ({error}): "
            "using a key for this process only",
            RuntimeWarning,
            stacklevel=2,
        )
        return secrets.token_urlsafe(48)


def normalise_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def work_threads(env: Mapping[str, str]) -> int:
    """gunicorn threads per worker for requests that work (GUNICORN_THREADS)."""
    return int(env.get("GUNICORN_THREADS", "8"))


#: gunicorn worker classes the project serves with (WORKER_CLASS), the first the default:
#: gevent holds a waiting phone poll in a greenlet; gthread in a thread of its own
WORKER_CLASSES = ("gevent", "gthread")


def worker_class(env: Mapping[str, str]) -> str:
    """The gunicorn worker class (WORKER_CLASS): gevent unless told gthread."""
    chosen = env.get("WORKER_CLASS", "").strip().lower() or WORKER_CLASSES[0]
    if chosen not in WORKER_CLASSES:
        raise ValueError(f"WORKER_CLASS must be one of {', '.join(WORKER_CLASSES)}, not {chosen!r}")
    return chosen


def long_poll_seconds(env: Mapping[str, str]) -> float:
    """On by default: with gevent's workers a third less CPU at 2,000 phones than polling,
    and 4,500 phones held on SQLite (docs/performance.md, sixth session). 0: phones ask
    every POLL_SECONDS."""
    return float(env.get("LONG_POLL_SECONDS", "25"))


def worker_processes(env: Mapping[str, str], cores: int) -> int:
    """gunicorn worker processes (WEB_CONCURRENCY). gevent: one per core, as its greenlets
    need no more (two with two cores cost a tenth less CPU than four at 2,000 phones and
    held 5,000 on SQLite with shorter joins: docs/performance.md, seventh session), and at
    least two, so that a worker that dies leaves one answering while it is replaced.
    gthread: two per core, at most four, its threads taking turns for the GIL."""
    if "WEB_CONCURRENCY" in env:
        return int(env["WEB_CONCURRENCY"])
    return max(2, cores) if worker_class(env) == "gevent" else min(4, 2 * cores)


def long_poll_waiters(env: Mapping[str, str]) -> int:
    """Polls held at once per worker (none when long polling is off): a greenlet costs a few
    kilobytes, so a gevent worker holds a whole hall's; a gthread worker's are threads."""
    if long_poll_seconds(env) <= 0:
        return 0
    default = "5000" if worker_class(env) == "gevent" else "1000"
    return int(env.get("LONG_POLL_WAITERS", default))


def _pool_options(env: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Connections per worker process: one per gunicorn thread, plus a few for the short
    claim and store transactions of the live results (services.results), so a host holds
    at most WEB_CONCURRENCY x (GUNICORN_THREADS + DB_POOL_OVERFLOW) connections.

    No pre-ping: it cost every request a round trip. A connection the database dropped
    fails its request with a 503 and Retry-After (the pages retry), and SQLAlchemy then
    replaces the pool's connections.
    """
    threads = work_threads(env)
    return {
        "pool_size": int(env.get("DB_POOL_SIZE", str(threads))),
        "max_overflow": int(env.get("DB_POOL_OVERFLOW", "4")),
        "pool_timeout": float(env.get("DB_POOL_TIMEOUT", "10")),
        "pool_recycle": 1800,
    }


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the app configuration for this environment."""
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'hhu_ranking.db'}"
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": _pool_options(env),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "WTF_CSRF_TIME_LIMIT": None,  # a session can run all day on one page
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        # "Ingelogd blijven": a month, not Flask-Login's year; logging out ends it everywhere
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        # a cookie is sent again only when its content changes, not re-signed on every poll
        "SESSION_REFRESH_EACH_REQUEST": False,
        "BABEL_DEFAULT_LOCALE": "nl",
        # times on pages (outcomes, agenda changes, imports) are the room's clock, not UTC
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        # rate limits are counted where every worker of this machine sees them: a SQLite
        # file in the instance folder (ratelimit_storage.py); redis://… for several hosts
        "RATELIMIT_STORAGE_URI": env.get(
            "RATELIMIT_STORAGE_URI", f"sqlite:///{instance_path / 'ratelimits.sqlite3'}"
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        # a storage that fails (Redis gone) lets the login through, logged, rather than a 500;
        # the login's own limits in the database still hold (services.logins)
        "RATELIMIT_SWALLOW_ERRORS": True,
        # the limits of floods.py, as ``limits`` strings ("30 per minute; 200 per hour"); an
        # empty value switches one off. A festival hall joins from ONE NAT address: 5,000
        # phones in a minute must get in, and their typos (a few percent) must not lock the
        # hall out. Guessing stays hopeless: among 25^6 codes one address, at 1,000 an hour,
        # has about one chance in 1,000 a day of hitting one of ten open sessions
        "LIMIT_CODE_FAILURES_PER_ADDRESS": env.get(
            "LIMIT_CODE_FAILURES_PER_ADDRESS", "120 per minute; 1000 per hour"
        ),
        "LIMIT_CODE_FAILURES_OVERALL": env.get("LIMIT_CODE_FAILURES_OVERALL", "1000 per minute"),
        "LIMIT_JOINS_PER_ADDRESS": env.get("LIMIT_JOINS_PER_ADDRESS", "5000 per minute"),
        "LIMIT_JOINS_OVERALL": env.get("LIMIT_JOINS_OVERALL", "10000 per minute"),
        # what reaches Flask of a projector's polls (its 304s do not): 5 screens a second
        "LIMIT_SCREEN_PER_ADDRESS": env.get("LIMIT_SCREEN_PER_ADDRESS", "300 per minute"),
        "LIMIT_SCREEN_OVERALL": env.get("LIMIT_SCREEN_OVERALL", "6000 per minute"),
        # proxies in front of the app that set X-Forwarded-For/-Proto: 0 = none, the
        # client's address is the connection's. Set it to the number of proxies you run
        # (one nginx: 1); more than that lets a client choose its own address.
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "0")),
        # hours after a session ended (its day is over and no round is open, or its last
        # round closed, whichever is later) that phones can still join; negative: forever
        "JOIN_CLOSES_AFTER_HOURS": float(env.get("JOIN_CLOSES_AFTER_HOURS", "12")),
        # every body: a ballot is a few hundred bytes, the round editor's 60 items a few kB;
        # the ballot import alone may send more (IMPORT_MAX_CONTENT_LENGTH)
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "IMPORT_MAX_CONTENT_LENGTH": 1_100_000,
        # the most ballots one imported file may hold (PrefLib counts summed); see
        # services/imports.py for why more would stall voting elsewhere
        "IMPORT_MAX_BALLOTS": int(env.get("IMPORT_MAX_BALLOTS", "5000")),
        # a multipart text field, and the fields of any form (the editor has about 190)
        "MAX_FORM_MEMORY_SIZE": 200_000,
        "MAX_FORM_PARTS": 500,
        "POLL_SECONDS": float(env.get("POLL_SECONDS", "2")),
        # all phones of a session together poll at most this often (a festival hall)
        "PHONE_POLLS_PER_SECOND": float(env.get("PHONE_POLLS_PER_SECOND", "500")),
        # a phone's poll waits on the server up to this many seconds for its session's
        # state to move on (hhu_ranking.long_polls; 25 is a good value); 0, the default:
        # phones poll every POLL_SECONDS
        "LONG_POLL_SECONDS": long_poll_seconds(env),
        # polls held at once per process, each in a thread of its own (gunicorn.conf.py);
        # beyond it a phone is answered at once and polls as without long polling
        "LONG_POLL_WAITERS": long_poll_waiters(env),
        # requests of a process that work at once (and hold a database connection): the
        # gunicorn threads besides the held polls'
        "WORK_SLOTS": work_threads(env),
        # on PostgreSQL each process listens for changes of state (hhu_ranking.state_notices),
        # so an unchanged phone poll costs no query; POLL_NOTICES=0 asks the database each time
        "POLL_NOTICES": env.get("POLL_NOTICES", "1") == "1",
        # where to listen: PostgreSQL itself, also when DATABASE_URL names a PgBouncer in
        # transaction pooling (which cannot hold a LISTEN); empty: DATABASE_URL
        "POLL_NOTICES_URL": env.get("POLL_NOTICES_URL", ""),
        # on PostgreSQL a GET reads in autocommit, without BEGIN and ROLLBACK round trips
        # (views/unit_of_work.py)
        "READS_OUTSIDE_TRANSACTIONS": True,
        "KEMENY_TIME_LIMIT": float(env.get("KEMENY_TIME_LIMIT", "10")),
        # while ballots keep coming, a round's live result is computed at most this often
        # (services/results.py); the counts on the screen are never held back. Half a
        # second: with the screen's 1 s poll its ranking stays within 2 s of every ballot
        "LIVE_RESULT_SECONDS": float(env.get("LIVE_RESULT_SECONDS", "0.5")),
        # a pillar or tier with fewer voters is never shown on its own (3 at least)
        "BREAKDOWN_MIN_VOTERS": int(env.get("BREAKDOWN_MIN_VOTERS", "3")),
        # days after a session's date until ``flask purge`` removes its personal data
        "RETENTION_DAYS": int(env.get("RETENTION_DAYS", "30")),
        # pages are compressed on the fly at a low level: at a festival the two cores matter
        # more than the bytes. Tiny answers, 204s and 304s are left alone (Flask-Compress
        # compresses only 2xx bodies of at least COMPRESS_MIN_SIZE bytes). Static files come
        # pre-compressed at the highest level from static_files.py.
        "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
        "COMPRESS_LEVEL": 4,
        "COMPRESS_BR_LEVEL": 4,
        "COMPRESS_ZSTD_LEVEL": 3,
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_STREAMS": False,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/csv",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
    }
    if overrides:
        config.update(overrides)
        if "DATABASE_URL" in overrides:
            config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(overrides["DATABASE_URL"])
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance_path)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite needs a longer wait for the writer lock under concurrent ballots
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 15},
        }
    return config
