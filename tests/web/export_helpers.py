"""Helpers for the export, import and API tests: rounds voted on through the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clock import SESSION_DAY
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    BallotMode,
    MeetingKind,
    Organisation,
    Outcome,
    Participant,
    Pillar,
    RankingSession,
    Role,
    Round,
)
from hhu_ranking.services import rounds
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.participants import join_session
from hhu_ranking.services.sessions import create_session

KERNGROEP = {
    "email": "kern@hhu.test",
    "password": "geheim-wachtwoord",
    "role": Role.KERNGROEP,
    "name": "Kees Kerngroep",
}
ITEMS = ("Mensgericht", "Missiegedreven", "Regiobreed", "Zelfsturend")
#: four ballots, as indexes into ITEMS
ORDERS = ([2, 0, 1, 3], [2, 1, 0, 3], [0, 2, 3, 1], [2, 0, 1, 3])


def voted_session(
    app: Any,
    *,
    items: Sequence[str] = ITEMS,
    orders: Sequence[Sequence[int]] = ORDERS,
    anonymous: bool = True,
    mode: BallotMode = BallotMode.FULL,
    top_k: int | None = None,
    names: Sequence[str | None] | None = None,
    organisations: Sequence[str] | None = None,
    close: bool = True,
    title: str = "Netwerkbijeenkomst",
    round_title: str = "Waarden",
    ranking_session_id: int | None = None,
) -> dict[str, Any]:
    """A session (or a new round in an existing one) in which one phone per order voted.

    Returns ids, the participants' cookie tokens and token hashes (so tests can
    check they never leak) and, when closed, the outcome id.
    """
    with app.app_context():
        if ranking_session_id is None:
            ranking_session = create_session(
                db.session, title=title, held_on=SESSION_DAY, kind=MeetingKind.NETWORK
            )
        else:
            ranking_session = db.session.get(RankingSession, ranking_session_id)
        round_ = rounds.add_round(
            db.session,
            ranking_session,
            title=round_title,
            items=[rounds.ItemSpec(t) for t in items],
            mode=mode,
            top_k=top_k,
            anonymous=anonymous,
        )
        rounds.open_round(db.session, round_)
        pillars = list(db.session.scalars(select(Pillar).order_by(Pillar.position)))
        item_ids = [i.id for i in round_.items]
        tokens, hashes = [], []
        for number, order in enumerate(orders):
            organisation = (
                organisations[number]
                if organisations
                else ("Gemeente Utrecht" if number % 2 else "Buurtinitiatief Oost")
            )
            partner = db.session.scalar(
                select(Organisation).where(Organisation.name == organisation)
            )
            participant, token = join_session(
                db.session,
                ranking_session,
                organisation_id=partner.id if partner else None,
                organisation_other=None if partner else organisation,
                pillar_id=pillars[number % len(pillars)].id,
                display_name=names[number] if names else None,
            )
            cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
            tokens.append(token)
            hashes.append(participant.token_hash)
        if close:
            rounds.close_round(db.session, round_)
        db.session.commit()
        outcome_id = None
        if close:
            outcome_id = db.session.scalar(
                select(Outcome.id)
                .where(Outcome.round_id == round_.id)
                .order_by(Outcome.version_number.desc())
            )
        return {
            "session_id": ranking_session.id,
            "round_id": round_.id,
            "item_ids": item_ids,
            "tokens": tokens,
            "token_hashes": hashes,
            "outcome_id": outcome_id,
            "items": list(items),
        }


def close_round(app: Any, round_id: int) -> int:
    """Close the round; returns the id of the outcome it froze."""
    with app.app_context():
        rounds.close_round(db.session, db.session.get(Round, round_id))
        db.session.commit()
        return db.session.scalar(
            select(Outcome.id)
            .where(Outcome.round_id == round_id)
            .order_by(Outcome.version_number.desc())
        )


def reopen_round(app: Any, round_id: int) -> None:
    with app.app_context():
        rounds.open_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def outcome_snapshot(app: Any, outcome_id: int) -> dict[str, Any]:
    """The outcome's stored fields, detached."""
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        return {
            "id": outcome.id,
            "result": outcome.result,
            "data": outcome.data,
            "ballots": outcome.ballots,
            "version_number": outcome.version_number,
            "ballots_digest": outcome.ballots_digest,
            "ballot_count": outcome.ballot_count,
        }


def participants(app: Any, session_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Participant).where(Participant.session_id == session_id).order_by(Participant.id)
        )
        return [
            {
                "id": p.id,
                "organisation": p.organisation_label,
                "pillar": p.pillar.name_nl if p.pillar else None,
                "ballot_import_id": p.ballot_import_id,
                "token_hash": p.token_hash,
            }
            for p in rows
        ]
