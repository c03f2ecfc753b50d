"""Helpers shared by the phone, ballot-rule and big-screen tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, Pillar, Round
from hhu_ranking.services import rounds


def pillar_id(app: Any, key: str = "praktijk") -> int:
    with app.app_context():
        pillar = db.session.scalar(select(Pillar).where(Pillar.key == key))
        if pillar is None:
            pillar = db.session.scalar(select(Pillar).order_by(Pillar.position))
        return pillar.id


def join(
    client: Any, app: Any, code: str, organisation: str = "Gemeente Utrecht", name: str = ""
) -> Any:
    return client.post(
        f"/j/{code}",
        data={"organisation": organisation, "pillar": pillar_id(app), "display_name": name},
    )


def open_round(app: Any, round_id: int) -> None:
    with app.app_context():
        rounds.open_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def close_round(app: Any, round_id: int) -> None:
    with app.app_context():
        rounds.close_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def vote(client: Any, code: str, round_id: int, ranking: list[int], **headers: str) -> Any:
    return client.post(
        f"/j/{code}/stem", data={"round_id": round_id, "ranking": ranking}, headers=headers
    )


def ballots(app: Any, round_id: int) -> list[Ballot]:
    with app.app_context():
        rows = db.session.scalars(
            select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.participant_id)
        ).all()
        db.session.expunge_all()
        return list(rows)
