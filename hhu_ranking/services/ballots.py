"""Casting a ballot: validate it exactly, then upsert it while the round is open.

One counted ballot per participant and round is the database's job (the unique
constraint on ``(round_id, participant_id)`` and an ``ON CONFLICT DO UPDATE``);
the round's openness is checked by the same transaction's conditional UPDATE,
which also serialises a ballot against a concurrent close.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Ballot, BallotMode, Participant, Round, RoundState, utcnow
from .dml import rows_matched
from .errors import ServiceError
from .sessions import bump_activity


def validate_ranking(round_: Round, ranking: Sequence[int]) -> list[int]:
    """Return the ranking as item ids if it is exactly what this round asks; else explain."""
    item_ids = {item.id for item in round_.items}
    chosen = list(ranking)
    if len(set(chosen)) != len(chosen):
        raise ServiceError(_l("Elk onderdeel mag maar één keer in je rangorde staan."), status=422)
    unknown = [i for i in chosen if i not in item_ids]
    if unknown:
        raise ServiceError(
            _l("Je rangorde bevat een onderdeel dat niet bij deze ronde hoort."), status=422
        )
    expected = round_.ballot_length
    if round_.mode is BallotMode.TOP_K and len(item_ids) > expected:
        if len(chosen) != expected:
            raise ServiceError(
                _l("Kies precies %(k)s onderdelen voor je top %(k)s.", k=expected), status=422
            )
    elif len(chosen) != len(item_ids):
        raise ServiceError(
            _l(
                "Zet alle onderdelen in een volgorde; er ontbreken er %(n)s.",
                n=len(item_ids) - len(chosen),
            ),
            status=422,
        )
    return chosen


def _upsert(db: Session, round_id: int, participant_id: int, ranking: list[int]) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(Ballot).values(
        round_id=round_id,
        participant_id=participant_id,
        ranking=ranking,
        submitted_at=now,
        updated_at=now,
        revision=1,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Ballot.round_id, Ballot.participant_id],
        set_={
            "ranking": statement.excluded.ranking,
            "updated_at": now,
            "revision": Ballot.revision + 1,
        },
    )
    db.execute(statement)


def cast_ballot(
    db: Session, round_: Round, participant: Participant, ranking: Sequence[int]
) -> Ballot:
    """Store (or replace) the participant's ballot. Raises ServiceError and stores nothing."""
    if participant.session_id != round_.session_id:
        raise ServiceError(_l("Je doet niet mee aan deze sessie."), status=403)
    chosen = validate_ranking(round_, ranking)
    opened = rows_matched(
        db,
        update(Round)
        .where(Round.id == round_.id, Round.state == RoundState.OPEN)
        .values(version=Round.version + 1),
    )
    if opened != 1:
        raise ServiceError(
            _l("Deze ronde is gesloten; je stem is niet meer meegeteld."), status=409
        )
    _upsert(db, round_.id, participant.id, chosen)
    bump_activity(db, round_.session_id)
    ballot = db.scalar(
        select(Ballot)
        .where(Ballot.round_id == round_.id, Ballot.participant_id == participant.id)
        .execution_options(populate_existing=True)
    )
    assert ballot is not None
    return ballot


def ballot_of(db: Session, round_: Round, participant: Participant) -> Ballot | None:
    return db.scalar(
        select(Ballot).where(Ballot.round_id == round_.id, Ballot.participant_id == participant.id)
    )
