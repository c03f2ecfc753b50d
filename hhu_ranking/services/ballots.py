"""Casting a ballot: validate it exactly, then upsert it while the round is open.

One counted ballot per participant and round is the database's job (the unique
constraint on ``(round_id, participant_id)`` and an ``ON CONFLICT DO UPDATE``).
The upsert is one statement that inserts only while the round is open, and
ballots never update a shared row, so a hall of phones does not queue on one:

* PostgreSQL: the openness check takes a *shared* lock on the round row
  (``FOR SHARE``). Ballots do not block each other, but closing the round (an
  UPDATE of that row) waits for every ballot in flight, and a ballot arriving
  after the close re-reads the row, finds it closed and inserts nothing.
* SQLite: the INSERT takes the single write lock before it reads, so the check
  and the write cannot be split by a close either.

Either way a ballot racing the close of its round is counted in the frozen
outcome or refused with "round closed", never half.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from ..models import Ballot, BallotMode, Participant, Round, RoundState, utcnow
from ..models.sessions import next_ballot_seq
from .errors import ServiceError


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


def _build_upsert(dialect: str) -> Executable:
    """The ballot's one statement, built once per dialect: every phone's ballot runs it,
    and building it (an EXISTS, a SELECT of literals, the conflict clause) costs as much
    as running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = bindparam("now", type_=Ballot.submitted_at.type)
    round_is_open = exists(
        select(Round.id)
        .where(Round.id == bindparam("round_id"), Round.state == RoundState.OPEN)
        .with_for_update(read=True)  # FOR SHARE on PostgreSQL; SQLite locks the database
    )
    columns = ["round_id", "participant_id", "ranking", "submitted_at", "updated_at", "revision"]
    values = select(
        bindparam("round_id", type_=Ballot.round_id.type),
        bindparam("participant_id", type_=Ballot.participant_id.type),
        bindparam("ranking", type_=Ballot.ranking.type),
        now,
        now,
        literal(1),
        next_ballot_seq(),
    ).where(round_is_open)
    statement = insert(Ballot).from_select([*columns, "seq"], values)
    return statement.on_conflict_do_update(
        index_elements=[Ballot.round_id, Ballot.participant_id],
        set_={
            "ranking": statement.excluded.ranking,
            "updated_at": now,
            "revision": Ballot.revision + 1,
            "seq": next_ballot_seq(),
        },
    ).returning(Ballot)


_UPSERTS = {dialect: _build_upsert(dialect) for dialect in ("postgresql", "sqlite")}


def _upsert_while_open(
    db: Session, round_id: int, participant_id: int, ranking: list[int]
) -> Ballot | None:
    """Insert or replace the ballot if the round is open; None (nothing written) if not."""
    upsert = _UPSERTS[db.get_bind().dialect.name]
    parameters = {
        "round_id": round_id,
        "participant_id": participant_id,
        "ranking": ranking,
        "now": utcnow(),
    }
    # "orm": one statement with its parameters, its RETURNING loaded as a Ballot (with
    # parameters SQLAlchemy would otherwise take it for a bulk insert)
    options = {"populate_existing": True, "dml_strategy": "orm"}
    return db.scalars(upsert, parameters, execution_options=options).one_or_none()


def cast_ballot(
    db: Session, round_: Round, participant: Participant, ranking: Sequence[int]
) -> Ballot:
    """Store (or replace) the participant's ballot. Raises ServiceError and stores nothing."""
    if participant.session_id != round_.session_id:
        raise ServiceError(_l("Je doet niet mee aan deze sessie."), status=403)
    chosen = validate_ranking(round_, ranking)
    ballot = _upsert_while_open(db, round_.id, participant.id, chosen)
    if ballot is None:
        raise ServiceError(
            _l("Deze ronde is gesloten; je stem is niet meer meegeteld."), status=409
        )
    return ballot


_BALLOT_OF = select(Ballot).where(
    Ballot.round_id == bindparam("round_id"), Ballot.participant_id == bindparam("participant_id")
)


def ballot_of(db: Session, round_: Round, participant: Participant) -> Ballot | None:
    return db.scalar(_BALLOT_OF, {"round_id": round_.id, "participant_id": participant.id})
