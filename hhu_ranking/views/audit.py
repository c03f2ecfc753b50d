"""The audit log for admins: newest first, in pages, narrowed by allow-listed filters; CSV.

Only admins see it (anyone else gets a 403). The page reads; nothing here writes.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db_session
from ..models import Role, User
from ..services import audit
from ..services.spreadsheets import CSV_MEDIA_TYPE, to_csv
from . import id_arg

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")


@bp.before_request
@login_required
def _require_admin() -> None:
    user = current_user._get_current_object()  # the model, not the proxy
    if not isinstance(user, User) or user.role is not Role.ADMIN:
        abort(403, _("Alleen een beheerder kan het logboek bekijken."))


def _filters() -> audit.Filters:
    # only these three, each checked: an unknown action or a non-number is ignored
    return audit.Filters.clean(
        request.args.get("actie"), request.args.get("account"), id_arg("sessie")
    )


def _query_args(filters: audit.Filters) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if filters.action:
        args["actie"] = filters.action
    if filters.actor_email:
        args["account"] = filters.actor_email
    if filters.session_id:
        args["sessie"] = filters.session_id
    return args


def _detail(text: str) -> str:
    """The JSON detail as ``key: value`` pairs, for reading on the page."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if not isinstance(parsed, dict):
        return text
    return ", ".join(f"{k}: {v}" for k, v in parsed.items())


@bp.get("/")
def index() -> str:
    filters = _filters()
    page = id_arg("pagina") or 1
    events, pages = audit.events(db_session(), filters, page=page)
    return render_template(
        "audit/index.html",
        events=events,
        page=min(page, pages),
        pages=pages,
        filters=filters,
        query_args=_query_args(filters),
        actions=audit.ACTIONS,
        label=audit.label,
        detail=_detail,
    )


@bp.get("/logboek.csv")
def export_csv() -> Response:
    headers = [
        _("Tijdstip (UTC)"),
        _("Account"),
        _("Actie"),
        _("Omschrijving"),
        _("Sessie"),
        _("Ronde"),
        _("Agendapunt"),
        _("Account waarover"),
        _("Details"),
    ]
    table = audit.table(db_session(), _filters(), headers)
    response = send_file(
        io.BytesIO(to_csv(table)),
        mimetype=CSV_MEDIA_TYPE,
        as_attachment=True,
        download_name="logboek.csv",
        max_age=0,
    )
    response.headers["Content-Type"] = CSV_MEDIA_TYPE
    response.headers["Cache-Control"] = "private, no-store"
    return response
