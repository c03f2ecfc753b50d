"""The words the app shows for its codes: meeting kinds, ballot modes, methods, agenda fields.

One module for every place that names them: forms (choices), templates (as
Jinja globals, registered by ``init_labels``) and exports (called directly),
so a download says exactly what the page says. Dutch source strings,
translated lazily.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import AgendaStatus, BallotMode, MeetingKind, Round
from .places import place_label

MEETING_KIND_LABELS = {
    MeetingKind.WORK_SESSION: _l("Werksessie van een coalitie"),
    MeetingKind.TREKKERS: _l("Trekkersoverleg"),
    MeetingKind.NETWORK: _l("Netwerkbijeenkomst"),
    MeetingKind.ALV: _l("ALV (algemene ledenvergadering)"),
    MeetingKind.BOARD_BREAKFAST: _l("Bestuursontbijt"),
    MeetingKind.DESIGN_CONFERENCE: _l("Ontwerpconferentie"),
    MeetingKind.HEALTH_TUESDAY: _l("Health Tuesday"),
    MeetingKind.FESTIVAL: _l("Kennisfestival Gelukkig Gezond"),
    MeetingKind.TALENT_CHALLENGE: _l("Talent challenge"),
    MeetingKind.OTHER: _l("Iets anders"),
}

BALLOT_MODE_LABELS = {
    BallotMode.FULL: _l("Alles op volgorde zetten"),
    BallotMode.TOP_K: _l("Alleen een top kiezen (top-k)"),
}

AGENDA_STATUS_LABELS = {
    AgendaStatus.PROPOSED: _l("Voorgesteld"),
    AgendaStatus.ADOPTED: _l("Vastgesteld"),
    AgendaStatus.IN_PROGRESS: _l("Bezig"),
    AgendaStatus.DONE: _l("Klaar"),
}

#: aggregation methods by their key (proper names: the same in every language)
METHOD_LABELS = {
    "kemeny": "Kemeny-Young",
    "borda": "Borda",
    "schulze": "Schulze",
    "copeland": "Copeland",
    "ranked-pairs": "Ranked pairs",
}

#: how the agenda's change log names each field
AGENDA_FIELD_LABELS = {
    "created": _l("Op de agenda gezet"),
    "position": _l("Plaats"),
    "status": _l("Status"),
    "owner": _l("Trekker"),
    "note": _l("Notitie"),
    "phase": _l("Fase"),
    "year": _l("Jaar"),
    "coalition": _l("Coalitie"),
}


def meeting_kind_label(kind: MeetingKind) -> str:
    return str(MEETING_KIND_LABELS.get(kind, kind.value))


def ballot_mode_label(round_: Round) -> str:
    if round_.mode is BallotMode.TOP_K and round_.top_k:
        return str(_("Top %(k)d kiezen", k=round_.top_k))
    return str(BALLOT_MODE_LABELS[BallotMode.FULL])


TIER_LABELS = {
    "founder": _l("Founders"),
    "friend": _l("Friends"),
    "fan": _l("Fans"),
}


def tier_label(tier: str) -> str:
    return str(TIER_LABELS.get(tier, tier))


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def agenda_status_label(status: AgendaStatus | str) -> str:
    try:
        return str(AGENDA_STATUS_LABELS[AgendaStatus(status)])
    except ValueError:
        return str(status)


def agenda_field_label(field: str) -> str:
    return str(AGENDA_FIELD_LABELS[field]) if field in AGENDA_FIELD_LABELS else field


def agreement_words(w: float | None) -> str:
    """Kendall's W in plain words (the number is always shown beside it)."""
    if w is None:
        return str(_("niet te bepalen"))
    if w < 0.1:
        return str(_("nauwelijks eens"))
    if w < 0.3:
        return str(_("een beetje eens"))
    if w < 0.6:
        return str(_("redelijk eens"))
    return str(_("sterk eens"))


def init_labels(app: Flask) -> None:
    """Make every label function a Jinja global, for all templates alike."""
    for label in (
        meeting_kind_label,
        ballot_mode_label,
        method_label,
        agenda_status_label,
        agenda_field_label,
        agreement_words,
        place_label,
    ):
        app.add_template_global(label)
