"""The audit log: ``record(...)`` one event, in the transaction of the change it records.

Services call ``record`` beside the change itself, so a change that is rolled back
leaves no event, and an event never claims a change that did not happen. A refusal
that changes nothing (a 403 for someone else's session, a blocked login) is recorded
by the view in a small unit of work of its own; a download (a GET) likewise, after its
reads. Nothing here, or anywhere in the app, updates or deletes an event: the
database refuses it too (``models.audit``).

What is kept: when (UTC), the account (its id and its e-mail address at the time, or
none), the action (a key of ``ACTIONS``), the ids it is about and a short JSON detail.
What is not: network addresses, and anything of participants (names, tokens), so the
privacy purge has nothing to remove here. SECURITY.md says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, User, utcnow
from .spreadsheets import Table, plain

#: every action the app records, with its label on the audit page (also the filter's
#: allow-list: a filter for anything else is ignored)
ACTIONS: dict[str, LazyString] = {
    "login": _l("Ingelogd"),
    "login.failed": _l("Inloggen mislukt"),
    "login.blocked": _l("Inloggen geblokkeerd (te vaak mislukt)"),
    "logout": _l("Uitgelogd"),
    "account.create": _l("Account aangemaakt"),
    "account.password": _l("Wachtwoord gewijzigd"),
    "session.create": _l("Sessie aangemaakt"),
    "session.copy": _l("Sessie gekopieerd"),
    "session.joining": _l("Meedoen op slot of weer open"),
    "session.join_questions": _l("Vragen bij meedoen gewijzigd"),
    "session.ask_names": _l("Namen vragen aan of uit"),
    "session.co_facilitator": _l("Gespreksleider toegevoegd"),
    "round.create": _l("Ronde toegevoegd"),
    "round.edit": _l("Ronde bewerkt"),
    "round.settings": _l("Instellingen van ronde gewijzigd"),
    "round.open": _l("Ronde geopend"),
    "round.close": _l("Ronde gesloten"),
    "round.delete": _l("Ronde verwijderd"),
    "import": _l("Stemmen ingelezen"),
    "export": _l("Export gedownload"),
    "api.export": _l("Uitslag opgehaald via de API"),
    "agenda.adopt": _l("Onderdeel overgenomen in de agenda"),
    "agenda.update": _l("Agendapunt gewijzigd"),
    "agenda.move": _l("Agendapunt verplaatst"),
    "agenda.coalition": _l("Coalitie toegevoegd"),
    "privacy.text": _l("Privacytekst gewijzigd"),
    "participant.delete": _l("Deelnemer verwijderd"),
    "access.refused": _l("Geweigerd: geen recht op deze sessie"),
}
#: the detail is a note, not a document: longer values are cut
DETAIL_VALUE_MAX = 200
PAGE_SIZE = 50


def _current_actor() -> User | None:
    if not has_request_context():
        return None
    user = current_user._get_current_object()  # the model, not the proxy
    return user if isinstance(user, User) else None


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > DETAIL_VALUE_MAX:
        return value[: DETAIL_VALUE_MAX - 1] + "…"
    return value


_LOGGED_IN = object()


def record(
    db: Session,
    action: str,
    *,
    actor: User | None | object = _LOGGED_IN,
    session_id: int | None = None,
    round_id: int | None = None,
    agenda_entry_id: int | None = None,
    user_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event to the current transaction (flushed, not committed).

    ``actor`` defaults to the logged-in account of the request (none outside one);
    pass ``None`` for "nobody" or a ``User`` for someone else (a login, an API token's).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = _current_actor() if actor is _LOGGED_IN else actor
    assert who is None or isinstance(who, User)
    event = AuditEvent(
        at=at or utcnow(),
        actor_id=who.id if who is not None else None,
        actor_email=who.email if who is not None else None,
        action=action,
        session_id=session_id,
        round_id=round_id,
        agenda_entry_id=agenda_entry_id,
        user_id=user_id,
        detail=json.dumps(
            {str(k): _short(v) for k, v in (detail or {}).items()},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        ),
    )
    db.add(event)
    db.flush()
    return event


# -- reading (the admin's page and its CSV) -------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the audit page may be narrowed to; anything else in the URL is ignored."""

    action: str | None = None
    actor_email: str | None = None
    session_id: int | None = None

    @classmethod
    def clean(cls, action: str | None, actor_email: str | None, session_id: int | None) -> Filters:
        email = (actor_email or "").strip().lower()[:254] or None
        return cls(action if action in ACTIONS else None, email, session_id)


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_email is not None:
        query = query.where(AuditEvent.actor_email == filters.actor_email)
    if filters.session_id is not None:
        query = query.where(AuditEvent.session_id == filters.session_id)
    return query


def events(db: Session, filters: Filters, *, page: int = 1) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and how many pages there are (at least 1)."""
    total = db.scalar(_filtered(select(func.count()).select_from(AuditEvent), filters)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(
        _filtered(select(AuditEvent), filters)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), pages


def all_events(db: Session, filters: Filters) -> Sequence[AuditEvent]:
    return list(
        db.scalars(
            _filtered(select(AuditEvent), filters).order_by(
                AuditEvent.at.desc(), AuditEvent.id.desc()
            )
        )
    )


def label(action: str) -> str:
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def table(db: Session, filters: Filters, headers: Sequence[str]) -> Table:
    """The filtered events as one export table (the view passes the translated headers)."""
    rows = [
        [
            plain(e.at),
            e.actor_email or "",
            e.action,
            label(e.action),
            e.session_id,
            e.round_id,
            e.agenda_entry_id,
            e.user_id,
            e.detail,
        ]
        for e in all_events(db, filters)
    ]
    return Table("audit", headers, rows)
