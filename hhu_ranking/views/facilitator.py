"""The facilitator's pages: sessions, rounds and their lifecycle."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import select

from ..extensions import db
from ..models import RankingSession

bp = Blueprint("facilitator", __name__, url_prefix="/beheer")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here is for logged-in facilitators only."""


@bp.get("/")
def dashboard() -> str:
    sessions = db.session.scalars(
        select(RankingSession).order_by(RankingSession.held_on.desc(), RankingSession.id.desc())
    ).all()
    return render_template("facilitator/dashboard.html", sessions=sessions)
