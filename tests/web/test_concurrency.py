"""Real concurrency against the real database (SQLite file, or PostgreSQL with
TEST_DATABASE=postgresql): threads with their own connections, released together.

Invariants: at most one counted ballot per participant and round, counted equals
acknowledged, a ballot racing the close of its round is either in the frozen outcome
or refused with "round closed", and only one round of a session is ever open.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from factories import add_participant, ballots, open_round
from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, Outcome, Participant, RankingSession, Round, RoundState
from hhu_ranking.services import rounds as round_service
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.errors import ServiceError
from hhu_ranking.services.verification import verify_all

THREADS = 12


def _race(app: Any, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread and app context (its own connection), all at once.

    Returns each job's result, or the exception it raised."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        with app.app_context():
            start.wait()
            try:
                results[index] = job()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (the test looks at what happened)
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _cast(round_id: int, participant_id: int, order: list[int]) -> Callable[[], int]:
    def job() -> int:
        round_ = db.session.get(Round, round_id)
        participant = db.session.get(Participant, participant_id)
        assert round_ is not None and participant is not None
        return cast_ballot(db.session, round_, participant, order).revision

    return job


def _voters(app: Any, ids: dict[str, Any], count: int) -> list[int]:
    with app.app_context():
        ranking_session = db.session.get(RankingSession, ids["session_id"])
        joined = [
            add_participant(ranking_session, organisation_other=f"Wijkteam {n}")[0]
            for n in range(count)
        ]
        db.session.commit()
        return [participant.id for participant in joined]


def test_a_double_tap_and_two_tabs_give_one_counted_ballot(app, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    (voter,) = _voters(app, ids, 1)
    a, b, c = ids["item_ids"]
    orders = [[a, b, c], [c, b, a]] * (THREADS // 2)
    results = _race(app, [_cast(ids["round_id"], voter, order) for order in orders])
    assert all(isinstance(r, int) for r in results), results
    stored = ballots(app, ids["round_id"])
    assert len(stored) == 1
    # every acknowledged submission counted as a revision of the one ballot, none lost
    assert sorted(results) == list(range(1, THREADS + 1))
    assert stored[0].revision == THREADS
    assert stored[0].ranking in orders


def test_a_storm_of_revisions_keeps_each_phones_last_acknowledged_ballot(app, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    voters = _voters(app, ids, THREADS)
    rng = random.Random(7)
    plans = {voter: [rng.sample(ids["item_ids"], 3) for _ in range(4)] for voter in voters}

    def phone(voter: int) -> Callable[[], list[int]]:
        def job() -> list[int]:
            last: list[int] = []
            for order in plans[voter]:
                _cast(ids["round_id"], voter, order)()
                db.session.commit()  # acknowledged
                last = order
            return last

        return job

    results = _race(app, [phone(voter) for voter in voters])
    assert all(isinstance(r, list) for r in results), results
    stored = {b.participant_id: b for b in ballots(app, ids["round_id"])}
    assert len(stored) == len(voters)  # counted equals acknowledged
    for voter, last in zip(voters, results, strict=True):
        assert stored[voter].ranking == last
        assert stored[voter].revision == len(plans[voter])


def test_a_ballot_racing_the_close_counts_or_is_refused_never_half(app, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    voters = _voters(app, ids, THREADS)
    a, b, c = ids["item_ids"]

    def close() -> str:
        round_ = db.session.get(Round, ids["round_id"])
        assert round_ is not None
        round_service.close_round(db.session, round_)
        return "closed"

    jobs: list[Callable[[], Any]] = [_cast(ids["round_id"], v, [b, c, a]) for v in voters]
    jobs.insert(THREADS // 2, close)
    results = _race(app, jobs)
    assert "closed" in results
    accepted = [v for v, r in zip(voters, [r for r in results if r != "closed"], strict=True)]
    outcomes = [r for r in results if r != "closed"]
    refused = [r for r in outcomes if isinstance(r, ServiceError)]
    assert all(r.status == 409 for r in refused), refused
    counted = {v for v, r in zip(accepted, outcomes, strict=True) if not isinstance(r, Exception)}
    stored = {ballot.participant_id for ballot in ballots(app, ids["round_id"])}
    assert stored == counted  # every acknowledged ballot is there, no refused one is
    with app.app_context():
        outcome = db.session.scalars(select(Outcome)).one()
        assert outcome.ballot_count == len(counted)  # the frozen outcome holds exactly them
        checked, findings = verify_all(db.session)
        assert checked == 1 and findings == []


def test_two_rounds_opened_at_once_cannot_both_be_open(app, make_session):
    ids = make_session()
    with app.app_context():
        ranking_session_id = ids["session_id"]
        first = db.session.get(Round, ids["round_id"])
        assert first is not None
        second = round_service.add_round(
            db.session,
            first.session,
            title="Spelregels",
            items=[round_service.ItemSpec(t) for t in ("Lachen mag", "Samen uit, samen thuis")],
        )
        db.session.commit()
        round_ids = [first.id, second.id]

    def opener(round_id: int) -> Callable[[], str]:
        def job() -> str:
            round_ = db.session.get(Round, round_id)
            assert round_ is not None
            round_service.open_round(db.session, round_)
            return "opened"

        return job

    for _attempt in range(3):
        results = _race(app, [opener(rid) for rid in round_ids])
        assert results.count("opened") == 1, results
        refusal = next(r for r in results if r != "opened")
        assert isinstance(refusal, ServiceError) and refusal.status == 409
        with app.app_context():
            open_count = db.session.scalar(
                select(func.count())
                .select_from(Round)
                .where(Round.session_id == ranking_session_id, Round.state == RoundState.OPEN)
            )
            assert open_count == 1
            for round_ in db.session.scalars(select(Round).where(Round.id.in_(round_ids))):
                if round_.state is RoundState.OPEN:
                    round_service.close_round(db.session, round_)
            db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
