"""Helpers for the security tests: a snapshot of everything stored, to show nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from hhu_ranking.extensions import db


@pytest.fixture
def stored(app: Any) -> Callable[[], dict[str, Any]]:
    """A callable returning every table's row count and the ballots' and rounds' contents.

    The audit log is left out: a refusal is meant to add its event there (test_audit.py)
    and nothing else.
    """
    from hhu_ranking.models import Ballot, Participant, Round, RoundItem

    def snapshot() -> dict[str, Any]:
        with app.app_context():
            counts = {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
                if table.name != "audit_event"
            }
            ballots = sorted(
                (b.round_id, b.participant_id, tuple(b.ranking))
                for b in db.session.scalars(select(Ballot))
            )
            rounds = sorted(
                (r.id, r.title, r.mode.value, r.top_k, r.state.value)
                for r in db.session.scalars(select(Round))
            )
            items = sorted(
                (i.round_id, i.position, i.title) for i in db.session.scalars(select(RoundItem))
            )
            participants = sorted(
                (p.id, p.pillar_id, p.organisation_other)
                for p in db.session.scalars(select(Participant))
            )
            return {
                "counts": counts,
                "ballots": ballots,
                "rounds": rounds,
                "items": items,
                "participants": participants,
            }

    return snapshot
