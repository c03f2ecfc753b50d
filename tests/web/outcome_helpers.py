"""Helpers for the outcome, agenda, history and verification tests: rounds run through services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    CatalogueList,
    MeetingKind,
    Outcome,
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


def catalogue_session(
    app: Any, held_on: date, list_key: str = "waarden", title: str = "Netwerkbijeenkomst"
) -> dict[str, Any]:
    """A session with one round built from a ready-made ballot (items linked to the catalogue)."""
    with app.app_context():
        catalogue = db.session.scalar(select(CatalogueList).where(CatalogueList.key == list_key))
        ranking_session = create_session(
            db.session, title=title, held_on=held_on, kind=MeetingKind.NETWORK
        )
        round_ = rounds.add_round(
            db.session,
            ranking_session,
            title=catalogue.title,
            items=rounds.items_from_catalogue(catalogue),
            catalogue_list_id=catalogue.id,
        )
        db.session.commit()
        return {
            "session_id": ranking_session.id,
            "round_id": round_.id,
            "item_ids": [i.id for i in round_.items],
            "catalogue_item_ids": [i.catalogue_item_id for i in round_.items],
        }


def run_round(
    app: Any, round_id: int, orders: Sequence[Sequence[int]], close: bool = True
) -> list[int]:
    """Open the round, let one new participant per order vote (orders index the round's items),
    and close it. Returns the participant ids."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        if round_.state.value != "open":
            rounds.open_round(db.session, round_)
        pillar = db.session.scalar(select(Pillar).order_by(Pillar.position))
        item_ids = [i.id for i in round_.items]
        session = db.session.get(RankingSession, round_.session_id)
        participant_ids = []
        for number, order in enumerate(orders):
            participant, _token = join_session(
                db.session,
                session,
                organisation_id=None,
                organisation_other=f"Buurtinitiatief {number}",
                pillar_id=pillar.id,
                display_name=None,
            )
            cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
            participant_ids.append(participant.id)
        if close:
            rounds.close_round(db.session, round_)
        db.session.commit()
        return participant_ids


def revote(app: Any, round_id: int, participant_id: int, order: Sequence[int]) -> None:
    """Change an existing participant's ballot (the round must be open)."""
    from hhu_ranking.models import Participant

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        item_ids = [i.id for i in round_.items]
        participant = db.session.get(Participant, participant_id)
        cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
        db.session.commit()


def reopen(app: Any, round_id: int) -> None:
    with app.app_context():
        rounds.open_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def close(app: Any, round_id: int) -> None:
    with app.app_context():
        rounds.close_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def outcomes(app: Any, round_id: int) -> list[dict[str, Any]]:
    """The round's outcomes as plain dicts (oldest first), detached from the session."""
    with app.app_context():
        rows = db.session.scalars(
            select(Outcome).where(Outcome.round_id == round_id).order_by(Outcome.version_number)
        ).all()
        return [
            {
                "id": o.id,
                "version_number": o.version_number,
                "result": o.result,
                "canonical_ballots": o.canonical_ballots,
                "ballots_digest": o.ballots_digest,
                "ballot_count": o.ballot_count,
                "aggregation_version": o.aggregation_version,
                "weighting": o.weighting,
                "data": o.data,
            }
            for o in rows
        ]
