"""The privacy statement, and the facilitator's tools for requests about one participant.

``/privacy`` is public (the join page links to it); only the kerngroep (or an
admin) may edit its text. Under ``/beheer/…/privacy`` a logged-in facilitator
finds a participant of a session by name or organisation, downloads what is
held about them as JSON, or deletes it (see ``services.privacy``).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..forms import ActionForm, AskNamesForm, PrivacyTextForm
from ..models import Participant, RankingSession, User
from ..services import privacy as privacy_service
from .access import may_run_or_403
from .unit_of_work import unit_of_work

bp = Blueprint("privacy", __name__)


def _retention_days() -> int:
    return int(current_app.config["RETENTION_DAYS"])


def _user() -> User | None:
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def _can_edit() -> bool:
    user = _user()
    return user is not None and user.can_manage_agenda


@bp.get("/privacy")
def statement() -> str:
    text = privacy_service.privacy_text(db_session(), _retention_days())
    return render_template(
        "privacy/statement.html",
        paragraphs=privacy_service.privacy_paragraphs(text),
        can_edit=_can_edit(),
    )


@bp.route("/privacy/bewerken", methods=["GET", "POST"])
@login_required
def edit_statement() -> str | Response | tuple[str, int]:
    if not _can_edit():
        abort(403, _("Alleen de kerngroep mag de privacytekst aanpassen."))
    form = PrivacyTextForm()
    if request.method == "GET":
        form.body.data = privacy_service.privacy_text(db_session(), _retention_days())
    error = None
    if form.validate_on_submit():
        with unit_of_work() as work:
            privacy_service.save_privacy_text(db_session(), form.body.data or "", _user())
        if work.ok:
            flash(_("De privacytekst is opgeslagen."), "success")
            return redirect(url_for(".statement"))
        error = work.error
        return render_template("privacy/edit.html", form=form, error=error), work.status
    return render_template("privacy/edit.html", form=form, error=error)


# -- facilitators: one session's participants ------------------------------------------------


@bp.get("/beheer/sessies/<int:session_id>/privacy")
@login_required
def requests(session_id: int) -> str:
    ranking_session = may_run_or_403(db.get_or_404(RankingSession, session_id))
    query = request.args.get("q", "")[:200]
    found = privacy_service.find_participants(db_session(), ranking_session, query)
    return render_template(
        "privacy/requests.html",
        session=ranking_session,
        query=query,
        found=found,
        retention_days=_retention_days(),
    )


@bp.post("/beheer/sessies/<int:session_id>/namen")
@login_required
def set_ask_names(session_id: int) -> Response:
    ranking_session = may_run_or_403(db.get_or_404(RankingSession, session_id))
    form = AskNamesForm()
    if not form.validate_on_submit():
        abort(400)
    ask = form.ask.data == "1"
    with unit_of_work(refusal="raise"):
        privacy_service.set_ask_names(db_session(), ranking_session, ask)
    flash(
        _("Het meedoe-formulier vraagt nu om een naam (niet verplicht).")
        if ask
        else _("Het meedoe-formulier vraagt geen naam meer."),
        "success",
    )
    return redirect(url_for("facilitator.show_session", session_id=ranking_session.id))


@bp.get("/beheer/deelnemers/<int:participant_id>.json")
@login_required
def export_participant(participant_id: int) -> Response:
    participant = db.get_or_404(Participant, participant_id)
    may_run_or_403(participant.session)  # only who runs the session answers its requests
    record = privacy_service.participant_record(db_session(), participant)
    response = current_app.response_class(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="deelnemer-{participant.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/beheer/deelnemers/<int:participant_id>/verwijderen")
@login_required
def delete_participant(participant_id: int) -> Response:
    participant = db.get_or_404(Participant, participant_id)
    may_run_or_403(participant.session)  # only who runs the session answers its requests
    session_id = participant.session_id
    if not ActionForm().validate_on_submit():
        abort(400)
    with unit_of_work(refusal="raise"):
        deletion = privacy_service.delete_participant(db_session(), participant)
    message = _("De deelnemer en zijn of haar stemmen zijn verwijderd.")
    if deletion.new_outcomes:
        message += " " + _(
            "Van %(n)d gesloten ronde(s) is een nieuwe versie van de uitslag vastgelegd "
            "zonder deze stem; de eerdere versie blijft bewaard.",
            n=len(deletion.new_outcomes),
        )
    flash(message, "success")
    return redirect(url_for(".requests", session_id=session_id))
