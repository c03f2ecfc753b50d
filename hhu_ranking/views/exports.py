"""Downloads for the kerngroep and facilitators: CSV, XLSX, JSON, PrefLib and an A4 report.

Every export is of frozen outcomes (see ``services.exports``): a round's
newest outcome, or the version asked for with ``?versie=N``; a session's
newest outcome per round. Nothing here changes stored data; each download is
noted in the audit log, in a small write of its own after the export's reads.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..labels import agenda_status_label, method_label
from ..models import Outcome, RankingSession, Round
from ..services import agenda as agenda_service
from ..services import audit
from ..services import exports as export_service
from ..services.errors import ServiceError
from ..services.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from . import coalition_or_404, id_arg
from .access import may_export_or_403
from .unit_of_work import unit_of_work

bp = Blueprint("exports", __name__, url_prefix="/export")

TABLES = "any(uitslag, stemmen, overeenstemming, groepen)"


@bp.before_request
@login_required
def _require_login() -> None:
    """Exports are for facilitators and the kerngroep (every account is one of them)."""


@bp.after_request
def _audit_download(response: Response) -> Response:
    """Who downloaded what: one audit event per export handed out (not for refusals)."""
    if response.status_code != 200:
        return response
    args = request.view_args or {}
    round_id = args.get("round_id")
    session_id = args.get("session_id")
    if round_id is not None and session_id is None:
        found = db.session.get(Round, round_id)
        session_id = found.session_id if found is not None else None
    detail = {"export": (request.endpoint or "").removeprefix("exports."), **args}
    if request.args.get("versie"):
        detail["version"] = request.args.get("versie", "")[:10]
    try:
        with unit_of_work():
            audit.record(
                db_session(), "export", session_id=session_id, round_id=round_id, detail=detail
            )
    except SQLAlchemyError:
        # the download was built and checked; a database too busy to note it is logged
        current_app.logger.warning("export %s: not recorded in the audit log", request.path)
    return response


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0
    )
    # send_file adds a second "; charset=utf-8" to a text type that already names one
    response.headers["Content-Type"] = mimetype
    # ballots and names stay out of shared caches and the browser's disk cache
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _json(document: dict[str, Any], filename: str) -> Response:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return _download(text.encode("utf-8"), filename, "application/json")


def _round_outcome(round_id: int) -> Outcome:
    version = id_arg("versie")
    if version is None and request.args.get("versie"):
        abort(404)  # not a version number (or beyond what SQLite can even look up)
    try:
        outcome = export_service.round_outcome(db_session(), round_id, version)
    except ServiceError as exc:
        abort(exc.status, exc.message)
    may_export_or_403(outcome.round.session)
    return outcome


def _session_outcomes(session_id: int) -> tuple[RankingSession, list[Outcome]]:
    ranking_session = may_export_or_403(db.get_or_404(RankingSession, session_id))
    outcomes = export_service.session_outcomes(db_session(), ranking_session)
    if not outcomes:
        abort(404, _("Deze sessie heeft nog geen uitslagen: die ontstaan als een ronde sluit."))
    return ranking_session, outcomes


# -- one round -----------------------------------------------------------------------------


@bp.get(f"/ronde/<int:round_id>/<{TABLES}:table_name>.csv")
def round_csv(round_id: int, table_name: str) -> Response:
    outcome = _round_outcome(round_id)
    table = export_service.table(db_session(), [outcome], table_name, method_label)
    return _download(
        to_csv(table), f"{export_service.base_name(outcome)}-{table_name}.csv", CSV_MEDIA_TYPE
    )


@bp.get("/ronde/<int:round_id>.xlsx")
def round_xlsx(round_id: int) -> Response:
    outcome = _round_outcome(round_id)
    tables = export_service.tables(db_session(), [outcome], method_label)
    return _download(to_xlsx(tables), f"{export_service.base_name(outcome)}.xlsx", XLSX_MEDIA_TYPE)


@bp.get("/ronde/<int:round_id>.json")
def round_json(round_id: int) -> Response:
    outcome = _round_outcome(round_id)
    return _json(
        export_service.outcome_document(db_session(), outcome),
        f"{export_service.base_name(outcome)}.json",
    )


@bp.get("/ronde/<int:round_id>/preflib")
def round_preflib(round_id: int) -> Response:
    outcome = _round_outcome(round_id)
    name, text = export_service.preflib_file(outcome)
    return _download(text.encode("utf-8"), name, "text/plain; charset=utf-8")


@bp.get("/ronde/<int:round_id>/rapport")
def round_report(round_id: int) -> str:
    outcome = _round_outcome(round_id)
    session = outcome.round.session
    return render_template(
        "exports/report.html",
        session=session,
        rounds=export_service.report_rounds(db_session(), [outcome]),
        title=f"{session.title} · {outcome.round.title}",
    )


# -- a whole session -----------------------------------------------------------------------


@bp.get(f"/sessie/<int:session_id>/<{TABLES}:table_name>.csv")
def session_csv(session_id: int, table_name: str) -> Response:
    ranking_session, outcomes = _session_outcomes(session_id)
    table = export_service.table(db_session(), outcomes, table_name, method_label)
    name = f"{export_service.session_base_name(ranking_session)}-{table_name}.csv"
    return _download(to_csv(table), name, CSV_MEDIA_TYPE)


@bp.get("/sessie/<int:session_id>.xlsx")
def session_xlsx(session_id: int) -> Response:
    ranking_session, outcomes = _session_outcomes(session_id)
    tables = export_service.tables(db_session(), outcomes, method_label)
    return _download(
        to_xlsx(tables),
        f"{export_service.session_base_name(ranking_session)}.xlsx",
        XLSX_MEDIA_TYPE,
    )


@bp.get("/sessie/<int:session_id>.json")
def session_json(session_id: int) -> Response:
    ranking_session, _outcomes = _session_outcomes(session_id)
    return _json(
        export_service.session_document(db_session(), ranking_session),
        f"{export_service.session_base_name(ranking_session)}.json",
    )


@bp.get("/sessie/<int:session_id>/preflib")
def session_preflib(session_id: int) -> Response:
    ranking_session, outcomes = _session_outcomes(session_id)
    return _download(
        export_service.preflib_zip(outcomes),
        f"{export_service.session_base_name(ranking_session)}-preflib.zip",
        "application/zip",
    )


@bp.get("/sessie/<int:session_id>/rapport")
def session_report(session_id: int) -> str:
    ranking_session, outcomes = _session_outcomes(session_id)
    return render_template(
        "exports/report.html",
        session=ranking_session,
        rounds=export_service.report_rounds(db_session(), outcomes),
        title=ranking_session.title,
    )


# -- the agenda ----------------------------------------------------------------------------


def _agenda_table() -> tuple[str, Any]:
    key = request.args.get("coalitie")
    coalition_id = None
    name = "agenda"
    if key:
        found = coalition_or_404(key)
        coalition_id, name = found.id, f"agenda-{found.key}"
    entries = agenda_service.entries(db_session(), coalition_id)
    return name, export_service.agenda_table(entries, agenda_status_label)


@bp.get("/agenda.csv")
def agenda_csv() -> Response:
    name, table = _agenda_table()
    return _download(to_csv(table), f"{name}.csv", CSV_MEDIA_TYPE)


@bp.get("/agenda.xlsx")
def agenda_xlsx() -> Response:
    name, table = _agenda_table()
    return _download(to_xlsx([table]), f"{name}.xlsx", XLSX_MEDIA_TYPE)
