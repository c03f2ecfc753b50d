"""Thin blueprints: parse, validate with a form, call a service, render."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Map

from ..extensions import db
from ..models import Coalition
from ..numbers import MAX_DATABASE_ID

__all__ = ["MAX_DATABASE_ID", "coalition_or_404", "id_arg", "register_blueprints"]


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` up to a database integer: a longer number is a 404, not a crash in SQLite."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(name: str) -> int | None:
    """A query-string id (``?a=12``), or None when it is missing, not a number or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_DATABASE_ID else None


def coalition_or_404(key: str, description: str | None = None) -> Coalition:
    """The coalition with this URL key, or a 404 (with ``description`` when given)."""
    found = db.session.scalar(select(Coalition).where(Coalition.key == key))
    if found is None:
        abort(404, description)
    return found


def register_blueprints(app: Flask) -> None:
    # before any rule is added: rules look their converter up when they are made
    app.url_map.converters["int"] = DatabaseIdConverter
    from ..labels import init_labels
    from . import (
        agenda,
        api,
        audit,
        auth,
        exports,
        facilitator,
        imports,
        main,
        outcomes,
        participate,
        privacy,
        screen,
    )
    from .shared_pages import init_shared_pages
    from .unit_of_work import init_unit_of_work

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(participate.bp)
    app.register_blueprint(screen.bp)
    app.register_blueprint(outcomes.bp)
    app.register_blueprint(agenda.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(audit.bp)
    init_unit_of_work(app)
    init_shared_pages(app)
    init_labels(app)
