"""Reading paper ballots (CSV) or another tool's ballots (PrefLib) into an open round.

The page explains the CSV layout with an example; a file with any problem is
refused as a whole, with every problem listed by line number. The file is read
and checked before the unit of work begins, so only the bulk insert holds the
database's write lock (services/imports.py).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..forms import BallotImportForm
from ..models import BallotImport, Round, User
from ..services import imports as import_service
from ..services.errors import ServiceError
from .access import may_run_or_403
from .unit_of_work import unit_of_work

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.before_request
@login_required
def _require_login() -> None:
    """Reading ballots in is for facilitators and the kerngroep."""


@bp.route("/ronde/<int:round_id>", methods=["GET", "POST"])
def upload(round_id: int) -> str | Response | tuple[str, int]:
    round_ = db.get_or_404(Round, round_id)
    may_run_or_403(round_.session)
    form = BallotImportForm()
    problems: list[import_service.Problem] = []
    error = None
    status = 200
    record: BallotImport | None = None
    if form.validate_on_submit():
        upload_file = form.file.data
        user = current_user._get_current_object()  # the model, not the proxy
        assert isinstance(user, User)
        try:
            prepared = import_service.prepare_import(
                db_session(),
                round_,
                upload_file.filename or "",
                upload_file.read(import_service.MAX_BYTES + 1),
            )
        except ServiceError as refused:  # nothing was written: there is nothing to undo
            error, status = refused.message, refused.status
            problems = getattr(refused, "problems", [])
        else:
            with unit_of_work() as work:
                record = import_service.store_import(db_session(), round_, user, prepared)
            error, status = work.error, work.status
        if record is not None and error is None:
            flash(
                ngettext(
                    "%(num)d stem ingelezen uit ‘%(file)s’ in ronde ‘%(round)s’.",
                    "%(num)d stemmen ingelezen uit ‘%(file)s’ in ronde ‘%(round)s’.",
                    record.ballot_count,
                    file=record.file_name,
                    round=round_.title,
                ),
                "success",
            )
            return redirect(
                url_for(
                    "facilitator.show_session",
                    session_id=round_.session_id,
                    _anchor=f"round-{round_.id}",
                )
            )
    elif form.is_submitted():
        status = 422
    return render_template(
        "imports/upload.html",
        form=form,
        round=round_,
        session=round_.session,
        problems=problems,
        error=error,
        imports=import_service.imports_of_round(db_session(), round_.id),
        example_items=[i.title for i in round_.items][: round_.ballot_length],
    ), status
