"""Thin blueprints: parse, validate with a form, call a service, render."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (
        agenda,
        api,
        auth,
        exports,
        facilitator,
        imports,
        main,
        outcomes,
        participate,
        screen,
    )

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
