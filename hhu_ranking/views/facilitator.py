"""The facilitator's pages: sessions, rounds and their lifecycle.

Every action is a plain form POST that redirects back (so it works without
JavaScript); the round and joining buttons also carry htmx attributes, and on
an ``HX-Request`` the same route answers with just the changed fragment.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # new in 3.3, not in types-WTForms

from ..extensions import db, db_session
from ..forms import (
    ActionForm,
    CoFacilitatorForm,
    CopySessionForm,
    EditRoundForm,
    JoiningForm,
    JoinLimitsForm,
    JoinQuestionsForm,
    NewRoundForm,
    RoundSettingsForm,
    SessionForm,
)
from ..i18n import local_today
from ..models import (
    BallotMode,
    CatalogueList,
    Coalition,
    MeetingKind,
    RankingSession,
    Round,
    RoundState,
    User,
)
from ..numbers import ascii_int_or_none
from ..services import access
from ..services import rounds as round_service
from ..services import sessions as session_service
from ..services.breakdowns import breakdown_floor
from ..services.outcomes import WEIGHTING_EQUAL, WEIGHTING_ORGANISATION
from ..services.rounds import ItemSpec
from ..services.screen import activity_versions, console_result
from ..urls import absolute_url
from .access import may_run_or_403
from .unit_of_work import unit_of_work

bp = Blueprint("facilitator", __name__, url_prefix="/beheer")

#: blank rows shown below a round's items, to type a new one without JavaScript
BLANK_ROWS = 1


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here is for logged-in facilitators only."""


# --- helpers ---------------------------------------------------------------------------------


def _settings_form(round_: Round) -> RoundSettingsForm:
    return RoundSettingsForm(formdata=None, obj=round_)


def _weighting(org_voice: bool) -> str:
    return WEIGHTING_ORGANISATION if org_voice else WEIGHTING_EQUAL


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _user() -> User | None:
    user = current_user._get_current_object()  # the model, not the proxy, for relationships
    return user if isinstance(user, User) else None


def _session_or_404(session_id: int) -> RankingSession:
    return may_run_or_403(db.get_or_404(RankingSession, session_id))


def _round_or_404(round_id: int) -> Round:
    round_ = db.get_or_404(Round, round_id)
    may_run_or_403(round_.session)
    return round_


def _links(ranking_session: RankingSession) -> dict[str, str]:
    code = ranking_session.join_code
    join = url_for("participate.join", code=code)
    return {
        "join": join,
        "join_absolute": absolute_url(join),
        "screen": url_for("screen.show", code=code),
    }


def _status_context(ranking_session: RankingSession) -> dict[str, Any]:
    open_round = next((r for r in ranking_session.rounds if r.state is RoundState.OPEN), None)
    shown = round_service.current_round(ranking_session)
    counts = round_service.ballot_counts(db_session(), [shown.id] if shown else [])
    # the console shows the result of the round the room looks at, also while it is hidden
    live = console_result(db_session(), shown) if shown and counts.get(shown.id) else None
    return {
        "session": ranking_session,
        "open_round": open_round,
        "open_ballots": counts.get(open_round.id, 0) if open_round else 0,
        "participants": session_service.participant_count(db_session(), ranking_session.id),
        "shown_round": shown,
        "live": live,
        "breakdown_floor": breakdown_floor(),
    }


def _round_context(round_: Round, error: str | None = None) -> dict[str, Any]:
    counts = round_service.ballot_counts(db_session(), [round_.id])
    return {
        "round": round_,
        "ballot_count": counts.get(round_.id, 0),
        "participants": session_service.participant_count(db_session(), round_.session_id),
        "error": error,
    }


def _back_to_session(round_: Round) -> Response:
    return redirect(
        url_for(".show_session", session_id=round_.session_id, _anchor=f"round-{round_.id}")
    )


def _round_saved(round_: Round, message: str) -> Response:
    flash(message, "success")
    return _back_to_session(round_)


def _opened_round_page(
    round_: Round, form: RoundSettingsForm, error: str | None, status: int
) -> tuple[str, int]:
    """The edit page of a round that has opened: only the settings that may still change."""
    return render_template(
        "facilitator/round_edit.html",
        round=round_,
        form=None,
        settings_form=form,
        anonymity_frozen=round_service.has_ballots(db_session(), round_),
        error=error,
    ), status


def _fragment(template: str, **context: Any) -> Response:
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def _round_action_done(round_: Round, error: str | None, success: str) -> Response:
    """After open/close: the round's fragment for htmx, else a flash and the session page."""
    if _is_htmx():
        db.session.refresh(round_)
        return _fragment(
            "facilitator/_round.html",
            **_round_context(round_, error),
            notice=None if error else success,
        )
    flash(error or success, "error" if error else "success")
    return _back_to_session(round_)


# --- sessions --------------------------------------------------------------------------------


@bp.get("/")
def dashboard() -> str:
    upcoming, past = session_service.sessions_by_date(db_session(), local_today(), _user())
    return render_template("facilitator/dashboard.html", upcoming=upcoming, past=past)


def _coalition_choices() -> list[SelectChoice]:
    coalitions = db.session.scalars(select(Coalition).order_by(Coalition.name)).all()
    return [SelectChoice("", _("Geen coalitie"))] + [
        SelectChoice(str(c.id), c.name) for c in coalitions
    ]


@bp.route("/sessies/nieuw", methods=["GET", "POST"])
def new_session() -> str | Response:
    form = SessionForm()
    form.coalition.choices = _coalition_choices()
    error = None
    if form.validate_on_submit():
        assert form.held_on.data is not None  # DataRequired
        with unit_of_work() as work:
            ranking_session = session_service.create_session(
                db_session(),
                title=form.title.data or "",
                held_on=form.held_on.data,
                kind=MeetingKind(form.kind.data),
                coalition_id=form.coalition.data,
                created_by=_user(),
                ask_names=form.ask_names.data,
                join_questions=form.join_questions.data or "partners",
            )
        error = work.error
        if work.ok:
            flash(_("De sessie staat klaar. Voeg nu een ronde toe."), "success")
            return redirect(url_for(".show_session", session_id=ranking_session.id))
    return render_template("facilitator/session_new.html", form=form, error=error)


@bp.get("/sessies/<int:session_id>")
def show_session(session_id: int) -> str:
    ranking_session = _session_or_404(session_id)
    rounds = ranking_session.rounds
    return render_template(
        "facilitator/session.html",
        **_status_context(ranking_session),
        links=_links(ranking_session),
        rounds=rounds,
        ballots=round_service.ballot_counts(db_session(), [r.id for r in rounds]),
        co_facilitators=access.co_facilitators(db_session(), ranking_session),
        co_facilitator_form=CoFacilitatorForm(formdata=None),
        join_questions_form=JoinQuestionsForm(
            join_questions=session_service.join_preset(ranking_session)
        ),
        join_limits_form=JoinLimitsForm(
            formdata=None,
            max_participants=ranking_session.max_participants,
            roster="\n".join(ranking_session.join_roster or []),
        ),
    )


@bp.post("/sessies/<int:session_id>/gespreksleiders")
def add_co_facilitator(session_id: int) -> Response:
    """The creator (or a co-facilitator, or an admin) lets another account run the session."""
    ranking_session = _session_or_404(session_id)
    form = CoFacilitatorForm()
    user = _user()
    assert user is not None
    if not form.validate_on_submit():
        flash(_("Geef het e-mailadres van een account."), "error")
    else:
        with unit_of_work() as work:
            added = access.add_co_facilitator(
                db_session(), ranking_session, form.email.data or "", added_by=user
            )
        if work.ok:
            flash(_("%(name)s kan deze sessie nu ook beheren.", name=added.name), "success")
        else:
            flash(work.error or "", "error")
    return redirect(url_for(".show_session", session_id=ranking_session.id))


@bp.get("/sessies/<int:session_id>/stand")
def session_status(session_id: int) -> Response:
    """The live numbers (joined, voted). Pollers get a 304 while nothing changed."""
    ranking_session = _session_or_404(session_id)
    versions = activity_versions(db_session(), RankingSession.id == ranking_session.id)
    assert versions is not None
    etag = f"stand-{ranking_session.id}-{versions.etag}-{get_locale()}"
    response: Response
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = _fragment("facilitator/_status.html", **_status_context(ranking_session))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("HX-Request")
    return response


@bp.post("/sessies/<int:session_id>/deelname")
def set_joining(session_id: int) -> Response:
    ranking_session = _session_or_404(session_id)
    form = JoiningForm()
    if not form.validate_on_submit():
        abort(400)
    locked = form.locked.data == "1"
    with unit_of_work(refusal="raise"):
        session_service.set_joining_locked(db_session(), ranking_session, locked)
    message = (
        _("Niemand kan nu nog meedoen. Wie al meedoet, kan gewoon verder stemmen.")
        if locked
        else _("Nieuwe deelnemers kunnen weer meedoen.")
    )
    if _is_htmx():
        return _fragment("facilitator/_joining.html", session=ranking_session, notice=message)
    flash(message, "success")
    return redirect(url_for(".show_session", session_id=ranking_session.id))


@bp.post("/sessies/<int:session_id>/meedoen-beperken")
def set_join_limits(session_id: int) -> Response:
    ranking_session = _session_or_404(session_id)
    form = JoinLimitsForm()
    anchor = url_for(".show_session", session_id=ranking_session.id) + "#join-limits"
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(" ".join(str(m) for m in messages) or _("Dat kon niet worden gelezen."), "error")
        return redirect(anchor)
    with unit_of_work() as work:
        session_service.set_join_limits(
            db_session(),
            ranking_session,
            cap=form.max_participants.data,
            roster=form.roster.data or "",
        )
    if work.ok:
        flash(_("Opgeslagen. Dit geldt voor wie vanaf nu meedoet."), "success")
    else:
        flash(work.error or "", "error")
    return redirect(anchor)


@bp.post("/sessies/<int:session_id>/meedoen-vragen")
def set_join_questions(session_id: int) -> Response:
    ranking_session = _session_or_404(session_id)
    form = JoinQuestionsForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(refusal="raise"):
        session_service.set_join_questions(
            db_session(), ranking_session, form.join_questions.data or ""
        )
    flash(_("Telefoons die nu meedoen, krijgen deze vragen."), "success")
    return redirect(url_for(".show_session", session_id=ranking_session.id) + "#join-questions")


@bp.route("/sessies/<int:session_id>/kopieren", methods=["GET", "POST"])
def copy_session(session_id: int) -> str | Response:
    source = _session_or_404(session_id)
    form = CopySessionForm(
        data={"title": source.title, "held_on": local_today()} if request.method == "GET" else None
    )
    error = None
    if form.validate_on_submit():
        assert form.held_on.data is not None  # DataRequired
        with unit_of_work() as work:
            copy = session_service.copy_session(
                db_session(),
                source,
                title=form.title.data or "",
                held_on=form.held_on.data,
                created_by=_user(),
            )
        error = work.error
        if work.ok:
            flash(
                _("Nieuwe sessie gemaakt. Alle rondes staan klaar als concept, zonder stemmen."),
                "success",
            )
            return redirect(url_for(".show_session", session_id=copy.id))
    return render_template("facilitator/session_copy.html", form=form, source=source, error=error)


# --- rounds ----------------------------------------------------------------------------------


@bp.route("/sessies/<int:session_id>/rondes/nieuw", methods=["GET", "POST"])
def new_round(session_id: int) -> str | Response:
    ranking_session = _session_or_404(session_id)
    lists = db.session.scalars(
        select(CatalogueList)
        .order_by(CatalogueList.position)
        .options(selectinload(CatalogueList.items))
    ).all()
    by_value = {f"list-{c.id}": c for c in lists}
    form = NewRoundForm()
    form.source.choices = [SelectChoice(value, c.title) for value, c in by_value.items()]
    form.source.choices.append(SelectChoice("own", _("Eigen onderdelen")))
    error = None
    if form.validate_on_submit():
        chosen = by_value.get(form.source.data or "")
        title = (form.title.data or "").strip()
        if chosen is None:
            items = round_service.items_from_lines(form.items_text.data or "")
        else:
            items, title = round_service.items_from_catalogue(chosen), title or chosen.title
        with unit_of_work() as work:
            round_ = round_service.add_round(
                db_session(),
                ranking_session,
                title=title,
                items=items,
                mode=BallotMode(form.mode.data),
                top_k=form.top_k.data,
                results_live=form.results_live.data,
                anonymous=form.anonymous.data,
                weighting=_weighting(form.org_voice.data),
                catalogue_list_id=chosen.id if chosen else None,
            )
        error = work.error
        if work.ok:
            return _round_saved(round_, _("Ronde ‘%(title)s’ toegevoegd.", title=round_.title))
    return render_template(
        "facilitator/round_new.html",
        form=form,
        session=ranking_session,
        lists=by_value,
        error=error,
    )


def _rows_of(round_: Round) -> list[dict[str, Any]]:
    return [
        {"title": i.title, "explanation": i.explanation, "catalogue_item_id": i.catalogue_item_id}
        for i in round_.items
    ]


def _blank() -> dict[str, Any]:
    return {"title": "", "explanation": "", "catalogue_item_id": None}


def _apply_row_action(rows: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """Move, remove or add a row for the buttons that work without JavaScript."""
    verb, _sep, raw_index = action.partition("-")
    if verb == "add":
        return [*rows, _blank()]
    index = ascii_int_or_none(raw_index, max_digits=3)
    if index is None or index >= len(rows):
        return rows
    rows = list(rows)
    if verb == "remove":
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def _item_specs(rows: list[dict[str, Any]]) -> list[ItemSpec]:
    specs = []
    for row in rows:
        specs.append(
            ItemSpec(
                (row.get("title") or "").strip(),
                (row.get("explanation") or "").strip(),
                ascii_int_or_none(row.get("catalogue_item_id") or ""),
            )
        )
    return specs


@bp.route("/rondes/<int:round_id>/bewerken", methods=["GET", "POST"])
def edit_round(round_id: int) -> str | Response | tuple[str, int]:
    """A draft's items, order and settings; an opened round's remaining settings."""
    round_ = _round_or_404(round_id)
    error = notice = None
    status = 200
    form = EditRoundForm()
    if request.method == "GET":
        form = EditRoundForm(
            data={
                "title": round_.title,
                "mode": round_.mode.value,
                "top_k": round_.top_k,
                "results_live": round_.results_live,
                "anonymous": round_.anonymous,
                "org_voice": round_.weighting == WEIGHTING_ORGANISATION,
                "items": _rows_of(round_) + [_blank()] * BLANK_ROWS,
            }
        )
    elif form.validate_on_submit():
        rows = list(form.items.data)
        action = request.form.get("action", "save")
        if action != "save" and round_.state is RoundState.DRAFT:
            rows = _apply_row_action(rows, action)
            form = EditRoundForm(formdata=None, data={**form.data, "items": rows})
            notice = _("Nog niet opgeslagen: kies ‘Opslaan’ als je klaar bent.")
        else:
            # the service decides, also when an editor from a stale tab posts to an open round
            with unit_of_work() as work:
                settings = round_service.RoundSettings(
                    title=form.title.data or "",
                    mode=BallotMode(form.mode.data),
                    top_k=form.top_k.data,
                    results_live=form.results_live.data,
                    anonymous=form.anonymous.data,
                    weighting=_weighting(form.org_voice.data),
                )
                round_service.edit_draft_round(db_session(), round_, settings, _item_specs(rows))
            error, status = work.error, work.status
            if work.ok:
                return _round_saved(round_, _("Ronde ‘%(title)s’ opgeslagen.", title=round_.title))
    else:
        status = 422  # the form's own messages say what to change
    if round_.state is not RoundState.DRAFT:
        return _opened_round_page(round_, _settings_form(round_), error, status)
    return render_template(
        "facilitator/round_edit.html",
        round=round_,
        form=form,
        settings_form=None,
        error=error,
        notice=notice,
    ), status


@bp.post("/rondes/<int:round_id>/instellingen")
def round_settings(round_id: int) -> Response | tuple[str, int]:
    """Title and live results may change after opening; anonymity until the first ballot."""
    round_ = _round_or_404(round_id)
    form = RoundSettingsForm()
    error = None
    status = 422
    if form.validate_on_submit():
        with unit_of_work() as work:
            settings = round_service.RoundSettings(
                title=form.title.data or "",
                mode=round_.mode,
                top_k=round_.top_k,
                results_live=form.results_live.data,
                anonymous=form.anonymous.data,
            )
            round_service.update_settings(db_session(), round_, settings)
        error, status = work.error, work.status
        if work.ok:
            return _round_saved(round_, _("Ronde ‘%(title)s’ opgeslagen.", title=round_.title))
    return _opened_round_page(round_, form, error, status)


def _round_action(round_id: int, action: str) -> Response:
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    was_closed = round_.state is RoundState.CLOSED
    with unit_of_work() as work:
        if action == "open":
            round_service.open_round(db_session(), round_)
        else:
            round_service.close_round(db_session(), round_)
    if action == "open":
        success = (
            _(
                "Ronde ‘%(title)s’ is weer open. Eerdere stemmen tellen mee en mogen "
                "nog veranderen.",
                title=round_.title,
            )
            if was_closed
            else _("Ronde ‘%(title)s’ is open: de deelnemers kunnen stemmen.", title=round_.title)
        )
    else:
        success = _(
            "Ronde ‘%(title)s’ is gesloten. Het scherm toont de uitslag.", title=round_.title
        )
    return _round_action_done(round_, work.error, success)


@bp.post("/rondes/<int:round_id>/openen")
def open_round(round_id: int) -> Response:
    """Open a draft round, or re-open a closed one."""
    return _round_action(round_id, "open")


@bp.get("/rondes/<int:round_id>/sluiten")
def confirm_close(round_id: int) -> Response | str:
    """The step before closing: the round's card asks "now?" (a page of its own without htmx)."""
    round_ = _round_or_404(round_id)
    if round_.state is not RoundState.OPEN:
        return _back_to_session(round_)
    context = _round_context(round_)
    if _is_htmx():
        return _fragment("facilitator/_round.html", **context, notice=None, confirm_close=True)
    return render_template("facilitator/round_close.html", **context, notice=None)


@bp.get("/rondes/<int:round_id>/kaart")
def round_card(round_id: int) -> Response:
    """The round's card as it is (htmx: "not yet" on the confirmation)."""
    round_ = _round_or_404(round_id)
    if not _is_htmx():
        return _back_to_session(round_)
    return _fragment("facilitator/_round.html", **_round_context(round_), notice=None)


@bp.post("/rondes/<int:round_id>/sluiten")
def close_round(round_id: int) -> Response:
    return _round_action(round_id, "close")


@bp.post("/rondes/<int:round_id>/verwijderen")
def delete_round(round_id: int) -> Response:
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    session_id, title = round_.session_id, round_.title
    with unit_of_work() as work:
        round_service.delete_round(db_session(), round_)
    if work.error is not None:
        flash(work.error, "error")
        return _back_to_session(round_)
    flash(_("Ronde ‘%(title)s’ verwijderd.", title=title), "success")
    return redirect(url_for(".show_session", session_id=session_id, _anchor="rondes"))
