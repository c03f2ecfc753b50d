"""Configuration: defaults, then the environment, then a test mapping.

Nothing secret is written here. When ``SECRET_KEY`` is not in the environment
a key is generated once and kept in ``instance/secret_key`` so that every
gunicorn worker (and every restart) signs cookies with the same key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, the first one's key wins
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the app configuration for this environment."""
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'hhu_ranking.db'}"
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": env.get("SECRET_KEY"),
        "WTF_CSRF_TIME_LIMIT": None,  # a session can run all day on one page
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        # a cookie is sent again only when its content changes, not re-signed on every poll
        "SESSION_REFRESH_EACH_REQUEST": False,
        "BABEL_DEFAULT_LOCALE": "nl",
        # times on pages (outcomes, agenda changes, imports) are the room's clock, not UTC
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "POLL_SECONDS": float(env.get("POLL_SECONDS", "2")),
        # all phones of a session together poll at most this often (a festival hall)
        "PHONE_POLLS_PER_SECOND": float(env.get("PHONE_POLLS_PER_SECOND", "500")),
        "KEMENY_TIME_LIMIT": float(env.get("KEMENY_TIME_LIMIT", "10")),
        # a pillar or tier with fewer voters is never shown on its own (3 at least)
        "BREAKDOWN_MIN_VOTERS": int(env.get("BREAKDOWN_MIN_VOTERS", "3")),
        # days after a session's date until ``flask purge`` removes its personal data
        "RETENTION_DAYS": int(env.get("RETENTION_DAYS", "30")),
    }
    if overrides:
        config.update(overrides)
        if "DATABASE_URL" in overrides:
            config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(overrides["DATABASE_URL"])
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite needs a longer wait for the writer lock under concurrent ballots
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    return config
