"""hhu_ranking: live Ranking The Principles sessions for Health Hub Utrecht."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI commands."""
    # imported here so that ``import hhu_ranking.aggregation`` stays free of Flask
    from flask import Flask

    from .config import build_config

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(build_config(Path(app.instance_path), test_config))

    from . import models  # noqa: F401  (registers the tables)
    from .db_events import configure_sqlite
    from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from .floods import init_floods
    from .i18n import init_i18n

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    init_floods(app)
    login_manager.init_app(app)
    init_i18n(app, babel)
    with app.app_context():
        configure_sqlite(db.engine)
        engine = db.engine

    from .polling import ConditionalPolls, poll_tag_key, session_cookie_reader
    from .static_files import init_static

    # versioned, pre-compressed static files; inside the poll middleware, which stays first
    init_static(app)

    notices = None
    if engine.dialect.name == "postgresql" and app.config["POLL_NOTICES"]:
        from sqlalchemy.engine import make_url

        from .state_notices import StateVersions, conninfo_for

        listen_at = app.config["POLL_NOTICES_URL"] or engine.url
        notices = StateVersions(conninfo_for(make_url(listen_at)))
    # unchanged polls are answered before Flask: a festival hall sends a thousand a second
    app.wsgi_app = ConditionalPolls(  # type: ignore[method-assign]
        app.wsgi_app,
        engine,
        read_cookie=session_cookie_reader(app),
        cookie_name=app.config["SESSION_COOKIE_NAME"],
        languages=app.config["LANGUAGES"],
        default_language=app.config["BABEL_DEFAULT_LOCALE"],
        notices=notices,
        tag_key=poll_tag_key(app.config["SECRET_KEY"]),
        max_wait=float(app.config["LONG_POLL_SECONDS"]),
        waiters=int(app.config["LONG_POLL_WAITERS"]),
        work_slots=int(app.config["WORK_SLOTS"]),
    )

    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # outermost: every layer, the limits included, sees the client's own address and
        # scheme. Not X-Forwarded-Host: proxies pass Host on, and a Host a client could
        # choose would be the Origin check's idea of "this site"
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )

    from .auth import init_auth
    from .cli import register_cli
    from .errors import init_errors
    from .headers import init_headers
    from .origin import init_origin
    from .views import register_blueprints

    init_auth(app)
    init_errors(app)
    init_origin(app)
    init_headers(app)
    register_blueprints(app)
    register_cli(app)
    return app
