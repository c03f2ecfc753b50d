"""The read-only JSON API under ``/api/v1``: sessions, rounds, outcomes and the agenda.

For the kerngroep's own tools (dashboards, spreadsheets). Every data endpoint
needs ``Authorization: Bearer <token>`` (see ``services.api_tokens``; tokens
are made with ``flask create-api-token --user EMAIL``) and answers 401
without a valid one. The API only reads (GET), so it is exempt from CSRF:
a browser's cookies are never enough to use it. The OpenAPI 3.1 document at
``/api/v1/openapi.json`` is public and describes every endpoint and schema.

Nothing here exposes participant tokens, their hashes or API tokens;
outcomes carry the same anonymised ballots as the JSON export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click
from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import api_schema as shapes
from ..api_schema import openapi_document, serialise
from ..extensions import csrf, db, db_session, limiter
from ..models import (
    AgendaEntry,
    Outcome,
    RankingSession,
    Round,
)
from ..services import agenda as agenda_service
from ..services import api_tokens, audit
from ..services import exports as export_service
from ..services import outcomes as outcome_service
from ..services import rounds as round_service
from ..urls import absolute_url
from . import coalition_or_404
from .unit_of_work import unit_of_work

API_PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=API_PREFIX, cli_group=None)
csrf.exempt(bp)
limiter.limit("300 per minute")(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


def _iso(value: date | datetime | None) -> str | None:
    """ISO 8601; datetimes in UTC with their offset (``UTCDateTime`` columns are aware)."""
    return value.isoformat() if value is not None else None


def _respond(shape: type[BaseModel], document: dict[str, Any]) -> Response:
    """``document`` as JSON, serialised through its documented shape (``api_schema``)."""
    return jsonify(serialise(shape, document))


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify(serialise(shapes.Error, {"error": {"code": code, "message": message}}))
    response.status_code = status
    return response


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = api_tokens.bearer_token(request.headers.get("Authorization"))
    row = api_tokens.authenticate(db_session(), token)
    if row is None:
        response = _error(
            401, "unauthorized", "A valid token is needed: Authorization: Bearer <token>."
        )
        challenge = 'Bearer realm="hhu_ranking"'
        if token is not None:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
        return response
    g.api_user = row.user
    if api_tokens.use_unrecorded(row):
        g.api_token_unrecorded = row.id
    return None


@bp.after_request
def _record_token_use(response: Response) -> Response:
    """The token's first request of the day notes the day, in a write of its own.

    After the request's reads and outside their unit of work, so the GET itself
    writes nothing; a database too busy for this bookkeeping costs the reader
    nothing (the next request tries again).
    """
    token_id = g.pop("api_token_unrecorded", None)
    if token_id is not None:
        try:
            with unit_of_work():
                api_tokens.record_use(db_session(), token_id)
        except SQLAlchemyError:
            current_app.logger.warning("API token %s: its use today was not recorded", token_id)
    return response


@bp.after_request
def _no_store(response: Response) -> Response:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "_")
    return _error(error.code or 500, code, error.description or "")


# -- documents -----------------------------------------------------------------------------


def _outcome_ref(outcome: Outcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "version_number": outcome.version_number,
        "frozen_at": _iso(outcome.frozen_at),
        "ballot_count": outcome.ballot_count,
    }


def _session_summary(ranking_session: RankingSession) -> dict[str, Any]:
    return {
        "id": ranking_session.id,
        "title": ranking_session.title,
        "held_on": _iso(ranking_session.held_on),
        "kind": ranking_session.kind.value,
        "coalition": ranking_session.coalition.name if ranking_session.coalition else None,
        "round_count": len(ranking_session.rounds),
    }


def _round_summaries(rounds: Sequence[Round]) -> list[dict[str, Any]]:
    ids = [r.id for r in rounds]
    counts = round_service.ballot_counts(db_session(), ids)
    versions: dict[int, list[Outcome]] = {r.id: [] for r in rounds}
    if ids:
        for outcome in db.session.scalars(
            db.select(Outcome)
            .where(Outcome.round_id.in_(ids))
            .order_by(Outcome.round_id, Outcome.version_number)
        ):
            versions[outcome.round_id].append(outcome)
    return [
        {
            "id": r.id,
            "session_id": r.session_id,
            "position": r.position,
            "title": r.title,
            "state": r.state.value,
            "mode": r.mode.value,
            "top_k": r.top_k,
            "anonymous": r.anonymous,
            "item_count": len(r.items),
            "ballot_count": counts.get(r.id, 0),
            "opened_at": _iso(r.opened_at),
            "closed_at": _iso(r.closed_at),
            "outcomes": [_outcome_ref(o) for o in versions[r.id]],
        }
        for r in rounds
    ]


def _agenda_entry(entry: AgendaEntry, *, with_changes: bool = False) -> dict[str, Any]:
    """``agenda.entry_as_dict`` (the shape exports share), plus when it last changed."""
    doc = agenda_service.entry_as_dict(entry)
    doc["updated_at"] = _iso(entry.updated_at)
    if with_changes:
        doc["changes"] = [
            {
                "changed_at": _iso(c.changed_at),
                "user_name": c.user_name,
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
            }
            for c in entry.changes
        ]
    return doc


# -- endpoints -----------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(absolute_url(API_PREFIX)))


@bp.get("/sessions")
def sessions() -> Response:
    found = db.session.scalars(
        db.select(RankingSession).order_by(RankingSession.held_on.desc(), RankingSession.id.desc())
    )
    return _respond(shapes.SessionList, {"sessions": [_session_summary(s) for s in found]})


@bp.get("/sessions/<int:session_id>")
def session(session_id: int) -> Response:
    ranking_session = db.get_or_404(RankingSession, session_id)
    doc = _session_summary(ranking_session)
    doc["rounds"] = _round_summaries(ranking_session.rounds)
    return _respond(shapes.Session, doc)


@bp.get("/rounds/<int:round_id>")
def round_(round_id: int) -> Response:
    found = db.get_or_404(Round, round_id)
    doc = _round_summaries([found])[0]
    doc["items"] = [
        {
            "id": item.id,
            "position": item.position,
            "title": item.title,
            "explanation": item.explanation,
            "catalogue_item_id": item.catalogue_item_id,
        }
        for item in found.items
    ]
    return _respond(shapes.Round, doc)


@bp.get("/outcomes")
def outcomes() -> Response:
    found = outcome_service.all_outcomes(db_session())
    return _respond(
        shapes.OutcomeList,
        {
            "outcomes": [
                {
                    **_outcome_ref(o),
                    "round_id": o.round_id,
                    "round_title": o.round.title,
                    "session_id": o.round.session_id,
                    "session_title": o.round.session.title,
                    "held_on": _iso(o.round.session.held_on),
                }
                for o in found
            ]
        },
    )


@bp.get("/outcomes/<int:outcome_id>")
def outcome(outcome_id: int) -> Response:
    found = db.get_or_404(Outcome, outcome_id)
    response = _respond(shapes.Outcome, export_service.outcome_document(db_session(), found))
    # an outcome carries its ballots: noted in the audit log, in a write after the reads
    try:
        with unit_of_work():
            audit.record(
                db_session(),
                "api.export",
                actor=g.api_user,
                session_id=found.round.session_id,
                round_id=found.round_id,
                detail={"outcome_id": found.id, "version": found.version_number},
            )
    except SQLAlchemyError:
        current_app.logger.warning("API outcome %s: not recorded in the audit log", found.id)
    return response


@bp.get("/agenda")
def agenda() -> Response:
    key = request.args.get("coalition")
    coalition_id = None
    if key:
        found = coalition_or_404(key, f"No coalition with key {key!r}.")
        coalition_id = found.id
    entries = agenda_service.entries(db_session(), coalition_id)
    return _respond(shapes.AgendaList, {"entries": [_agenda_entry(e) for e in entries]})


@bp.get("/agenda/<int:entry_id>")
def agenda_entry(entry_id: int) -> Response:
    return _respond(
        shapes.AgendaEntry, _agenda_entry(db.get_or_404(AgendaEntry, entry_id), with_changes=True)
    )


# -- tokens (command line) -----------------------------------------------------------------


@bp.cli.command("create-api-token")
@click.option("--user", "email", required=True, help="E-mailadres van het account.")
@click.option("--name", default="", help="Waar het token voor is, bv. 'dashboard kerngroep'.")
def create_api_token_command(email: str, name: str) -> None:
    """Make an API token for an account and print it (once: only its hash is kept)."""
    with unit_of_work() as work:
        row, token = api_tokens.create_token_for_email(db_session(), email, name)
    if work.error is not None:
        raise click.ClickException(work.error)
    click.echo(f"API-token {row.id} voor {row.user.email} (wordt maar één keer getoond):", err=True)
    click.echo(token)


@bp.cli.command("revoke-api-token")
@click.argument("token_id", type=int)
def revoke_api_token_command(token_id: int) -> None:
    """Withdraw an API token by its number (see list-api-tokens)."""
    with unit_of_work() as work:
        row = api_tokens.revoke_token(db_session(), token_id)
    if work.error is not None:
        raise click.ClickException(work.error)
    click.echo(f"API-token {row.id} ingetrokken.")


@bp.cli.command("list-api-tokens")
def list_api_tokens_command() -> None:
    """List API tokens (number, account, name, day last used); never the tokens themselves."""
    for row in api_tokens.tokens(db_session()):
        state = "ingetrokken" if row.revoked_at else "actief"
        used = _iso(api_tokens.last_used_on(row)) or "nooit gebruikt"
        click.echo(f"{row.id}\t{row.user.email}\t{row.name or '-'}\t{state}\t{used}")
