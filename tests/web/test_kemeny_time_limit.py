"""KEMENY_TIME_LIMIT reaches the Kemeny solver: on the live screen and in the frozen outcome."""

from __future__ import annotations

import random

from factories import close_round, outcome_snapshot, voted_session
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, Round
from hhu_ranking.services import results

#: 25 items and 11 near-random ballots: one component too large for the DP, so the LP
#: stage runs and a zero budget is always hit (see test_zero_time_limit_is_never_silent)
ITEMS = tuple(f"Onderdeel {i}" for i in range(25))


def _orders() -> list[list[int]]:
    rng = random.Random(3)
    return [rng.sample(range(len(ITEMS)), len(ITEMS)) for _ in range(11)]


def _live_kemeny(app, round_id):
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        ballots = list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_id)))
        return results.compute_payload(round_, ballots)["analysis"]["methods"]["kemeny"]


def test_the_configured_time_limit_bounds_the_live_and_the_frozen_kemeny(app):
    app.config["KEMENY_TIME_LIMIT"] = 0.0
    ids = voted_session(app, items=ITEMS, orders=_orders(), close=False)

    live = _live_kemeny(app, ids["round_id"])
    assert live["details"]["time_limit_hit"] is True
    assert live["details"]["optimal"] is False

    frozen = outcome_snapshot(app, close_round(app, ids["round_id"]))
    kemeny = frozen["data"]["analysis"]["methods"]["kemeny"]
    assert kemeny["details"]["time_limit_hit"] is True
    assert kemeny["details"]["optimal"] is False


def test_with_the_default_budget_the_same_profile_is_solved_exactly(app):
    assert app.config["KEMENY_TIME_LIMIT"] == 10.0
    ids = voted_session(app, items=ITEMS, orders=_orders(), close=False)
    live = _live_kemeny(app, ids["round_id"])
    assert live["details"]["time_limit_hit"] is False
    assert live["details"]["optimal"] is True
