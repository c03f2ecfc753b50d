"""The coalition agenda: everyone logged in can read it; the kerngroep changes it.

Reordering is a plain form POST that redirects back (works without
JavaScript); the buttons also carry htmx attributes, and on an
``HX-Request`` the route answers with the coalition's list fragment only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..forms import (
    AgendaEntryForm,
    AgendaMoveForm,
    CoalitionForm,
)
from ..models import AgendaEntry, AgendaStatus, Outcome, User
from ..services import agenda as agenda_service
from ..services import summaries as summary_service
from ..services.errors import ServiceError
from . import coalition_or_404
from .unit_of_work import unit_of_work

bp = Blueprint("agenda", __name__, url_prefix="/agenda")

F = TypeVar("F", bound=Callable[..., Any])


@bp.before_request
@login_required
def _require_login() -> None:
    """The agenda is for facilitators (reading) and the kerngroep (changing)."""


def _user() -> User | None:
    user = current_user._get_current_object()  # the model, not the proxy
    return user if isinstance(user, User) else None


def kerngroep_required(view: F) -> F:
    """Refuse (403) anyone who may not change the agenda, before any form is read."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            agenda_service.require_manager(_user())
        except ServiceError:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _entry_form(**kwargs: Any) -> AgendaEntryForm:
    form = AgendaEntryForm(**kwargs)
    form.coalition_id.choices = [(c.id, c.name) for c in agenda_service.coalitions(db_session())]
    form.phase_id.choices = [
        (p.id, f"{p.name} ({p.start_year}–{p.end_year})")
        for p in agenda_service.phases(db_session())
    ]
    return form


def _entry_fields(form: AgendaEntryForm) -> dict[str, Any]:
    """The form's fields as the agenda service takes them (adopting and editing alike)."""
    return {
        "coalition_id": form.coalition_id.data,
        "phase_id": form.phase_id.data,
        "year": form.year.data,
        "owner": form.owner.data,
        "status": AgendaStatus(form.status.data),
        "note": form.note.data,
    }


def _can_manage() -> bool:
    return bool(getattr(current_user, "can_manage_agenda", False))


# -- reading -------------------------------------------------------------------------------


@bp.get("/")
def overview() -> str:
    coalitions = agenda_service.coalitions(db_session())
    grouped: dict[int, list[AgendaEntry]] = {c.id: [] for c in coalitions}
    for entry in agenda_service.entries(db_session()):
        grouped.setdefault(entry.coalition_id, []).append(entry)
    return render_template(
        "agenda/overview.html",
        coalitions=coalitions,
        grouped=grouped,
        can_manage=_can_manage(),
        coalition_form=CoalitionForm(),
    )


@bp.get("/coalitie/<key>")
def coalition(key: str) -> str:
    found = coalition_or_404(key)
    entries = agenda_service.entries(db_session(), found.id)
    return render_template(
        "agenda/coalition.html", coalition=found, entries=entries, can_manage=_can_manage()
    )


@bp.get("/punt/<int:entry_id>")
def entry(entry_id: int) -> str:
    item = db.get_or_404(AgendaEntry, entry_id)
    form = None
    if _can_manage():
        form = _entry_form(obj=item)
        form.status.data = item.status.value
    return render_template("agenda/entry.html", entry=item, form=form, can_manage=_can_manage())


# -- changing (kerngroep) ------------------------------------------------------------------


@bp.route("/overnemen/<int:outcome_id>/<int:round_item_id>", methods=["GET", "POST"])
@kerngroep_required
def adopt(outcome_id: int, round_item_id: int) -> Response | tuple[str, int]:
    outcome = db.get_or_404(Outcome, outcome_id)
    summary = summary_service.summarise(outcome)
    ranked = summary.item(round_item_id)
    if ranked is None:
        abort(404)
    form = _entry_form()
    if request.method == "GET":
        defaults = agenda_service.adopt_defaults(db_session(), outcome)
        form.year.data = defaults.year
        if defaults.phase_id is not None:
            form.phase_id.data = defaults.phase_id
        if defaults.coalition_id is not None:
            form.coalition_id.data = defaults.coalition_id
        form.status.data = AgendaStatus.PROPOSED.value
    error = None
    if form.validate_on_submit():
        with unit_of_work() as work:
            created = agenda_service.adopt_item(
                db_session(),
                _user(),
                outcome,
                round_item_id,
                **_entry_fields(form),
            )
        if work.status == 403:
            abort(403)
        error = work.error
        if work.ok:
            flash(
                _(
                    "‘%(title)s’ staat op de agenda van %(coalition)s.",
                    title=created.title,
                    coalition=created.coalition.name,
                ),
                "success",
            )
            return redirect(url_for(".coalition", key=created.coalition.key))
    return render_template(
        "agenda/adopt.html", form=form, outcome=outcome, summary=summary, ranked=ranked, error=error
    ), (422 if error else 200)


@bp.post("/punt/<int:entry_id>")
@kerngroep_required
def update(entry_id: int) -> str | Response | tuple[str, int]:
    item = db.get_or_404(AgendaEntry, entry_id)
    form = _entry_form()
    error = None
    if form.validate_on_submit():
        with unit_of_work() as work:
            changes = agenda_service.update_entry(
                db_session(),
                _user(),
                item,
                **_entry_fields(form),
            )
        error = work.error
        if work.ok:
            if changes:
                flash(_("Wijzigingen opgeslagen."), "success")
            else:
                flash(_("Er was niets veranderd."), "success")
            return redirect(url_for(".entry", entry_id=item.id))
    else:
        error = _("Controleer de velden hieronder.")
    db.session.refresh(item)
    return render_template(
        "agenda/entry.html", entry=item, form=form, can_manage=True, error=error
    ), 422


@bp.post("/punt/<int:entry_id>/verplaatsen")
@kerngroep_required
def move(entry_id: int) -> str | Response:
    item = db.get_or_404(AgendaEntry, entry_id)
    form = AgendaMoveForm()
    if not form.validate_on_submit():
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    with unit_of_work(refusal="raise"):
        moved = agenda_service.move_entry(db_session(), _user(), item, offset)
    if moved:
        notice = _("‘%(title)s’ staat nu op plaats %(n)d.", title=item.title, n=item.position + 1)
    else:
        notice = _("‘%(title)s’ kan niet verder.", title=item.title)
    coalition_ = item.coalition
    if _is_htmx():
        entries = agenda_service.entries(db_session(), coalition_.id)
        return render_template(
            "agenda/_entries.html",
            coalition=coalition_,
            entries=entries,
            can_manage=True,
            notice=notice,
            back=request.form.get("back"),
        )
    flash(notice, "success")
    back = request.form.get("back")
    if back == "overview":
        return redirect(url_for(".overview", _anchor=f"coalitie-{coalition_.key}"))
    return redirect(url_for(".coalition", key=coalition_.key, _anchor=f"punt-{item.id}"))


@bp.post("/coalities")
@kerngroep_required
def add_coalition() -> Response:
    form = CoalitionForm()
    if not form.validate_on_submit():
        flash(_("Geef de coalitie een naam."), "error")
        return redirect(url_for(".overview"))
    with unit_of_work() as work:
        created = agenda_service.add_coalition(
            db_session(), _user(), form.name.data or "", form.description.data or ""
        )
    if work.error is not None:
        flash(work.error, "error")
        return redirect(url_for(".overview"))
    flash(_("Coalitie ‘%(name)s’ toegevoegd.", name=created.name), "success")
    return redirect(url_for(".coalition", key=created.key))
