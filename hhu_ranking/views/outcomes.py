"""Frozen outcomes, their history across sessions, and two outcomes side by side.

Facilitators and the kerngroep may look; nothing here changes an outcome (there
is no route that could). Adopting an item into the agenda is in ``views.agenda``.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..models import CatalogueItem, Outcome, Round
from ..services import agenda as agenda_service
from ..services import breakdowns as breakdown_service
from ..services import history as history_service
from ..services import outcomes as outcome_service
from ..services import summaries as summary_service
from ..services.heatmaps import outcome_heatmap
from . import id_arg

bp = Blueprint("outcomes", __name__, url_prefix="/uitkomsten")


@bp.before_request
@login_required
def _require_login() -> None:
    """Outcomes are for facilitators and the kerngroep."""


def _method_arg(outcome: Outcome) -> str:
    method = request.args.get("methode", outcome.primary_method)
    return method if method in outcome.data.get("methods", {}) else outcome.primary_method


@bp.get("/")
def index() -> str:
    outcomes = outcome_service.all_outcomes(db_session())
    tracked = history_service.tracked_items(db_session())
    return render_template(
        "outcomes/index.html",
        outcomes=outcomes,
        tracked=tracked,
        label=history_service.outcome_label,
    )


@bp.get("/ronde/<int:round_id>")
def for_round(round_id: int) -> Response:
    """The newest outcome of a round (the link facilitator pages use)."""
    db.get_or_404(Round, round_id)
    outcome = outcome_service.latest_outcome(db_session(), round_id)
    if outcome is None:
        abort(404)
    return redirect(url_for(".show", outcome_id=outcome.id))


@bp.get("/<int:outcome_id>")
def show(outcome_id: int) -> str:
    outcome = db.get_or_404(Outcome, outcome_id)
    summary = summary_service.summarise(outcome)
    versions = outcome_service.outcomes_of_round(db_session(), outcome.round_id)
    adopted = agenda_service.entries_for_outcome(db_session(), outcome)
    return render_template(
        "outcomes/show.html",
        outcome=outcome,
        summary=summary,
        versions=versions,
        newest=versions[0],
        adopted=adopted,
        breakdown=breakdown_service.outcome_groups(db_session(), outcome),
        heatmap=outcome_heatmap(outcome, [item.item_id for item in summary.items]),
        round=outcome.round,
        session=outcome.round.session,
        can_manage=bool(getattr(current_user, "can_manage_agenda", False)),
    )


@bp.get("/vergelijken")
def compare() -> str:
    outcomes = outcome_service.all_outcomes(db_session())
    a_id = id_arg("a")
    b_id = id_arg("b")
    a = db.session.get(Outcome, a_id) if a_id else None
    b = db.session.get(Outcome, b_id) if b_id else None
    rows = None
    method = None
    if a is not None and b is not None:
        method = _method_arg(a)
        rows = history_service.compare(a, b, method)
    return render_template(
        "outcomes/compare.html",
        outcomes=outcomes,
        a=a,
        b=b,
        rows=rows,
        method=method,
        label=history_service.outcome_label,
    )


@bp.get("/onderdeel/<int:catalogue_item_id>")
def item_history(catalogue_item_id: int) -> str:
    item = db.get_or_404(CatalogueItem, catalogue_item_id)
    points = history_service.item_history(db_session(), catalogue_item_id)
    chart = history_service.rank_chart(points) if points else None
    return render_template("outcomes/history.html", item=item, points=points, chart=chart)
