"""The coalition agenda: adopting outcome items, ordering them, and logging every change.

Only the kerngroep (and admins) may change the agenda (``User.can_manage_agenda``);
every function that changes something takes the acting user, checks that
first, and writes an ``AgendaChange`` row per changed field (who, when, old,
new). Provenance is copied from the frozen outcome at adoption and never
touched afterwards.

Priority order is per coalition: ``position`` 0, 1, 2, ... with no gaps. Each
move renumbers the coalition's entries, so a stale form can never produce two
entries on the same place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    AgendaChange,
    AgendaEntry,
    AgendaStatus,
    Coalition,
    Outcome,
    Phase,
    RoundItem,
    User,
    utcnow,
)
from . import audit
from .errors import ServiceError
from .slugs import slug
from .summaries import summarise

OWNER_MAX = 120
NOTE_MAX = 4000
COALITION_NAME_MAX = 200

#: the fields a kerngroep member can edit, in the order the change log names them
EDITABLE_FIELDS = ("coalition", "phase", "year", "owner", "status", "note")


def require_manager(user: User | None) -> User:
    """The acting user, if they may change the agenda; else a 403."""
    if user is None or not user.can_manage_agenda:
        raise ServiceError(_l("Alleen de kerngroep kan de agenda aanpassen."), status=403)
    return user


def _log(
    db: Session, entry: AgendaEntry, user: User, field: str, old: str | None, new: str | None
) -> AgendaChange:
    change = AgendaChange(
        entry=entry,
        user_id=user.id,
        user_name=user.name,
        field=field,
        old_value=old,
        new_value=new,
        changed_at=utcnow(),
    )
    db.add(change)
    return change


def phase_for_year(db: Session, year: int) -> Phase | None:
    return db.scalar(select(Phase).where(Phase.start_year <= year, Phase.end_year >= year))


def phases(db: Session) -> list[Phase]:
    return list(db.scalars(select(Phase).order_by(Phase.start_year)))


def coalitions(db: Session) -> list[Coalition]:
    return list(db.scalars(select(Coalition).order_by(Coalition.id)))


def _check_phase_year(db: Session, phase_id: int, year: int) -> Phase:
    phase = db.get(Phase, phase_id)
    if phase is None:
        raise ServiceError(_l("Kies een fase."))
    if not phase.start_year <= year <= phase.end_year:
        raise ServiceError(
            _l(
                "Fase %(phase)s loopt van %(start)s tot en met %(end)s; kies een jaar daarbinnen.",
                phase=phase.name,
                start=phase.start_year,
                end=phase.end_year,
            )
        )
    return phase


def _check_coalition(db: Session, coalition_id: int) -> Coalition:
    coalition = db.get(Coalition, coalition_id)
    if coalition is None:
        raise ServiceError(_l("Kies een coalitie."))
    return coalition


def _clean_owner(owner: str | None) -> str:
    owner = " ".join((owner or "").split())
    if len(owner) > OWNER_MAX:
        raise ServiceError(
            _l("De naam van de trekker mag hoogstens %(n)s tekens hebben.", n=OWNER_MAX)
        )
    return owner


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_l("Een notitie mag hoogstens %(n)s tekens hebben.", n=NOTE_MAX))
    return note


def _next_position(db: Session, coalition_id: int) -> int:
    return int(
        db.scalar(
            select(func.coalesce(func.max(AgendaEntry.position), -1) + 1).where(
                AgendaEntry.coalition_id == coalition_id
            )
        )
        or 0
    )


def _lock_coalition(db: Session, coalition_id: int) -> None:
    """Serialise changes to one coalition's order (a row lock on PostgreSQL)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(Coalition.id).where(Coalition.id == coalition_id).with_for_update())


# -- adopting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptDefaults:
    phase_id: int | None
    year: int
    coalition_id: int | None


def adopt_defaults(db: Session, outcome: Outcome) -> AdoptDefaults:
    """Sensible starting values for the adopt form: the session's year, phase and coalition."""
    held_on: date = outcome.round.session.held_on
    phase = phase_for_year(db, held_on.year)
    return AdoptDefaults(
        phase.id if phase else None, held_on.year, outcome.round.session.coalition_id
    )


def adopt_item(
    db: Session,
    user: User | None,
    outcome: Outcome,
    round_item_id: int,
    *,
    coalition_id: int,
    phase_id: int,
    year: int,
    owner: str | None = "",
    status: AgendaStatus = AgendaStatus.PROPOSED,
    note: str | None = "",
) -> AgendaEntry:
    """Put one item of a frozen outcome on a coalition's agenda, last in its order."""
    actor = require_manager(user)
    summary = summarise(outcome)
    ranked = summary.item(round_item_id)
    if ranked is None:
        raise ServiceError(_l("Dit onderdeel hoort niet bij deze uitslag."), status=404)
    if summary.ballot_count == 0 or ranked.rank is None:
        raise ServiceError(
            _l("Deze uitslag heeft geen stemmen; er is niets over te nemen."), status=409
        )
    coalition = _check_coalition(db, coalition_id)
    phase = _check_phase_year(db, phase_id, year)
    existing = db.scalar(
        select(AgendaEntry.id).where(
            AgendaEntry.coalition_id == coalition.id, AgendaEntry.round_item_id == round_item_id
        )
    )
    if existing is not None:
        raise ServiceError(
            _l(
                "‘%(title)s’ uit deze ronde staat al op de agenda van %(coalition)s.",
                title=ranked.title,
                coalition=coalition.name,
            ),
            status=409,
        )
    _lock_coalition(db, coalition.id)
    round_ = outcome.round
    entry = AgendaEntry(
        coalition=coalition,
        phase=phase,
        year=year,
        position=_next_position(db, coalition.id),
        title=ranked.title,
        explanation=ranked.explanation,
        owner=_clean_owner(owner),
        status=status,
        note=_clean_note(note),
        created_by_id=actor.id,
        updated_at=utcnow(),
        source_session_title=round_.session.title,
        source_held_on=round_.session.held_on,
        source_round_title=round_.title,
        source_outcome_version=outcome.version_number,
        source_rank=ranked.rank,
        source_item_count=len(summary.items),
        source_method=summary.primary_method,
        source_ballot_count=summary.ballot_count,
        source_kendall_w=summary.kendall_w,
        outcome_id=outcome.id,
        round_item_id=round_item_id,
        catalogue_item_id=ranked.catalogue_item_id,
    )
    db.add(entry)
    db.flush()
    _log(
        db,
        entry,
        actor,
        "created",
        None,
        f"{coalition.name} · {phase.name} {year} · #{entry.position + 1}",
    )
    db.flush()
    audit.record(
        db,
        "agenda.adopt",
        actor=actor,
        session_id=round_.session_id,
        round_id=round_.id,
        agenda_entry_id=entry.id,
        detail={"title": entry.title, "coalition": coalition.name, "outcome_id": outcome.id},
    )
    return entry


def add_coalition(db: Session, user: User | None, name: str, description: str = "") -> Coalition:
    """A coalition the kerngroep adds next to the three main themes."""
    require_manager(user)
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_l("Geef de coalitie een naam."))
    if len(name) > COALITION_NAME_MAX:
        raise ServiceError(_l("De naam mag hoogstens %(n)s tekens hebben.", n=COALITION_NAME_MAX))
    if db.scalar(select(Coalition.id).where(func.lower(Coalition.name) == name.lower())):
        raise ServiceError(_l("De coalitie ‘%(name)s’ bestaat al.", name=name), status=409)
    base = slug(name, fallback="coalitie")
    key, n = base, 2
    while db.scalar(select(Coalition.id).where(Coalition.key == key)) is not None:
        key, n = f"{base}-{n}", n + 1
    coalition = Coalition(key=key[:60], name=name, description=description.strip())
    db.add(coalition)
    db.flush()
    audit.record(db, "agenda.coalition", actor=user, detail={"name": name})
    return coalition


# -- editing -------------------------------------------------------------------------------


def update_entry(
    db: Session,
    user: User | None,
    entry: AgendaEntry,
    *,
    coalition_id: int,
    phase_id: int,
    year: int,
    owner: str | None,
    status: AgendaStatus,
    note: str | None,
) -> list[AgendaChange]:
    """Change an entry's fields; log one change per field that really changed."""
    actor = require_manager(user)
    coalition = _check_coalition(db, coalition_id)
    phase = _check_phase_year(db, phase_id, year)
    owner, note = _clean_owner(owner), _clean_note(note)
    changes: list[AgendaChange] = []
    if coalition.id != entry.coalition_id:
        old_coalition = entry.coalition
        _lock_coalition(db, coalition.id)
        changes.append(_log(db, entry, actor, "coalition", old_coalition.name, coalition.name))
        # last place in the new coalition, counted before this entry joins it
        position = _next_position(db, coalition.id)
        entry.coalition = coalition
        entry.position = position
        db.flush()
        _renumber(db, old_coalition.id)
    if phase.id != entry.phase_id:
        changes.append(_log(db, entry, actor, "phase", entry.phase.name, phase.name))
        entry.phase = phase
    if year != entry.year:
        changes.append(_log(db, entry, actor, "year", str(entry.year), str(year)))
        entry.year = year
    if owner != entry.owner:
        changes.append(_log(db, entry, actor, "owner", entry.owner, owner))
        entry.owner = owner
    if status is not entry.status:
        changes.append(_log(db, entry, actor, "status", entry.status.value, status.value))
        entry.status = status
    if note != entry.note:
        changes.append(_log(db, entry, actor, "note", entry.note, note))
        entry.note = note
    if changes:
        entry.updated_at = utcnow()
        audit.record(
            db,
            "agenda.update",
            actor=actor,
            agenda_entry_id=entry.id,
            detail={"fields": ", ".join(c.field for c in changes)},
        )
    db.flush()
    return changes


def _renumber(db: Session, coalition_id: int) -> list[AgendaEntry]:
    ordered = list(
        db.scalars(
            select(AgendaEntry)
            .where(AgendaEntry.coalition_id == coalition_id)
            .order_by(AgendaEntry.position, AgendaEntry.id)
        )
    )
    for position, item in enumerate(ordered):
        item.position = position
    db.flush()
    return ordered


def move_entry(db: Session, user: User | None, entry: AgendaEntry, offset: int) -> bool:
    """Move an entry ``offset`` places (-1 = up, +1 = down). False when it cannot move."""
    actor = require_manager(user)
    if offset not in (-1, 1):
        raise ServiceError(_l("Een onderdeel schuift één plaats tegelijk."))
    _lock_coalition(db, entry.coalition_id)
    ordered = _renumber(db, entry.coalition_id)
    index = ordered.index(entry)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    other = ordered[target]
    entry.position, other.position = target, index
    now = utcnow()
    entry.updated_at = other.updated_at = now
    # both entries changed place: both logs say so
    _log(db, entry, actor, "position", str(index + 1), str(target + 1))
    _log(db, other, actor, "position", str(target + 1), str(index + 1))
    audit.record(
        db,
        "agenda.move",
        actor=actor,
        agenda_entry_id=entry.id,
        detail={"from": index + 1, "to": target + 1},
    )
    return True


# -- reading -------------------------------------------------------------------------------


def entries(db: Session, coalition_id: int | None = None) -> list[AgendaEntry]:
    """Agenda entries in priority order, grouped by coalition when all are asked for."""
    query = (
        select(AgendaEntry)
        .options(selectinload(AgendaEntry.phase), selectinload(AgendaEntry.coalition))
        .order_by(AgendaEntry.coalition_id, AgendaEntry.position, AgendaEntry.id)
    )
    if coalition_id is not None:
        query = query.where(AgendaEntry.coalition_id == coalition_id)
    return list(db.scalars(query))


def entries_for_outcome(db: Session, outcome: Outcome) -> dict[int, list[AgendaEntry]]:
    """Which items of this outcome's round are already on an agenda (round item id -> entries)."""
    rows = db.scalars(
        select(AgendaEntry)
        .join(RoundItem, AgendaEntry.round_item_id == RoundItem.id)
        .where(RoundItem.round_id == outcome.round_id)
        .order_by(AgendaEntry.id)
    )
    found: dict[int, list[AgendaEntry]] = {}
    for entry in rows:
        assert entry.round_item_id is not None
        found.setdefault(entry.round_item_id, []).append(entry)
    return found


def entry_as_dict(entry: AgendaEntry) -> dict[str, Any]:
    """One agenda entry with its provenance, JSON-ready (for exports and the API)."""
    return {
        "id": entry.id,
        "coalition": entry.coalition.name,
        "coalition_key": entry.coalition.key,
        "position": entry.position + 1,
        "title": entry.title,
        "explanation": entry.explanation,
        "phase": entry.phase.name,
        "year": entry.year,
        "owner": entry.owner,
        "status": entry.status.value,
        "note": entry.note,
        "source": {
            "session_title": entry.source_session_title,
            "held_on": entry.source_held_on.isoformat(),
            "round_title": entry.source_round_title,
            "outcome_id": entry.outcome_id,
            "outcome_version": entry.source_outcome_version,
            "rank": entry.source_rank,
            "item_count": entry.source_item_count,
            "method": entry.source_method,
            "ballot_count": entry.source_ballot_count,
            "kendall_w": entry.source_kendall_w,
        },
    }
