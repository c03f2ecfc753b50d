"""Live results are computed at most once per change of ballots, whoever asks."""

from __future__ import annotations

from factories import add_participant

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, Round
from hhu_ranking.services import results
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.rounds import open_round
from hhu_ranking.services.sessions import participant_count


def _join(ranking_session):
    participant, _token = add_participant(ranking_session)
    return participant


def _count_computations(monkeypatch, *, real=False):
    """The number of ballots of every computation from now on, in a list. The payload is
    ``{"ballots": n}`` unless ``real``."""
    calls = []
    compute = results.compute_payload

    def counted(round_, ballots, *args):
        calls.append(len(ballots))
        return compute(round_, ballots, *args) if real else {"ballots": len(ballots)}

    monkeypatch.setattr(results, "compute_payload", counted)
    return calls


def _viewers(round_id, count):
    """What ``count`` viewers get, one after the other, each with a fresh view of the round."""
    payloads = []
    for _viewer in range(count):
        db.session.expire_all()
        payloads.append(results.live_result(db.session, db.session.get(Round, round_id)))
    return payloads


def _claimed_by_another_worker(app, ids, second):
    """The round open with two ballots (the items in order, then ``second``), the result of the
    first stored, and the version with both claimed by another worker still computing it.

    Returns that version and the payload the other worker computes for it."""
    from sqlalchemy import select, update

    from hhu_ranking.models import Ballot, RoundResult, utcnow

    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"])
        db.session.commit()
        results.live_result(db.session, round_)
        cast_ballot(db.session, round_, _join(round_.session), second)
        db.session.commit()
        db.session.refresh(round_)
        version = results.ballots_version(db.session, round_)
        db.session.execute(update(RoundResult).values(claimed_version=version, claimed_at=utcnow()))
        db.session.commit()
        return version, results.compute_payload(round_, list(db.session.scalars(select(Ballot))))


def test_result_is_computed_once_per_version(app, make_session, monkeypatch):
    ids = make_session()
    calls = _count_computations(monkeypatch)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        voter = _join(round_.session)
        cast_ballot(db.session, round_, voter, list(reversed(ids["item_ids"])))
        db.session.commit()
        assert _viewers(ids["round_id"], 5) == [{"ballots": 1}] * 5
        assert len(calls) == 1
        second = _join(round_.session)
        cast_ballot(db.session, round_, second, ids["item_ids"])
        db.session.commit()
        assert _viewers(ids["round_id"], 3) == [{"ballots": 2}] * 3
        assert len(calls) == 2


def test_a_claimed_version_is_not_computed_twice(app, make_session, monkeypatch):
    """While one worker computes, another gets the previous payload instead of computing."""
    ids = make_session()
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        db.session.commit()
        first = results.live_result(db.session, round_)
        assert first is not None and first["ballots"] == 0
        voter = _join(round_.session)
        cast_ballot(db.session, round_, voter, ids["item_ids"])
        db.session.commit()
        db.session.expire_all()
        round_ = db.session.get(Round, ids["round_id"])
        # another worker has claimed this version and is still computing
        from sqlalchemy import update

        from hhu_ranking.models import RoundResult, utcnow

        db.session.execute(
            update(RoundResult).values(
                claimed_version=results.ballots_version(db.session, round_), claimed_at=utcnow()
            )
        )
        db.session.commit()
        monkeypatch.setattr(
            results,
            "compute_payload",
            lambda *a: (_ for _ in ()).throw(AssertionError("computed twice")),
        )
        stale = results.live_result(db.session, round_)
        assert stale is not None and stale["ballots"] == 0


def test_participant_count_is_per_session(app, make_session):
    first, second, empty = make_session(), make_session(), make_session()
    with app.app_context():
        for ids, joining in ((first, 2), (second, 1)):
            ranking_session = db.session.get(Round, ids["round_id"]).session
            for _ in range(joining):
                _join(ranking_session)
        db.session.commit()
        from sqlalchemy import func, select

        assert db.session.scalar(select(func.count()).select_from(Participant)) == 3
        counts = [
            participant_count(db.session, ids["session_id"]) for ids in (first, second, empty)
        ]
        assert counts == [2, 1, 0]


def test_a_screen_shown_the_previous_result_gets_no_etag(app, client, make_session, monkeypatch):
    """Another worker stores the new version just after this request read the previous one.

    The projector then shows the new count with the previous ranking. That answer must not
    carry an ETag: with one, the projector would keep that ranking (304s) until the next
    ballot, which after the last ballot of a round never comes.
    """
    import json

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from hhu_ranking.models import RoundResult, utcnow

    ids = make_session()
    version, newest = _claimed_by_another_worker(app, ids, list(reversed(ids["item_ids"])))

    real_loads = json.loads
    finished: list[bool] = []

    class OtherWorkerFinishes:
        """results.json, but the other worker stores its result right after the read."""

        dumps = staticmethod(json.dumps)

        @staticmethod
        def loads(text: str):
            value = real_loads(text)
            if not finished:
                finished.append(True)
                with Session(db.engine) as other, other.begin():
                    other.execute(
                        update(RoundResult).values(
                            version=version, payload=json.dumps(newest), computed_at=utcnow()
                        )
                    )
            return value

    monkeypatch.setattr(results, "json", OtherWorkerFinishes)
    poll = {"HX-Request": "true"}
    first = client.get(f"/scherm/{ids['code']}", headers=poll)
    assert first.status_code == 200 and finished
    page = first.get_data(as_text=True)
    assert "<strong>2</strong> hebben gestemd" in page
    assert '<span class="bar-score">2</span>' in page and '<span class="bar-score">0</span>' in page
    assert "ETag" not in first.headers
    second = client.get(f"/scherm/{ids['code']}", headers=poll)
    assert second.headers.get("ETag")
    assert second.get_data(as_text=True).count('<span class="bar-score">2</span>') == 3


def test_a_viewer_waits_for_the_worker_computing_the_new_version(app, make_session, monkeypatch):
    """During a stream of ballots the screens show the newest ranking, still computed once."""
    import json
    import time

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from hhu_ranking.models import RoundResult, utcnow

    ids = make_session()
    version, newest = _claimed_by_another_worker(app, ids, ids["item_ids"])
    assert newest["ballots"] == 2

    class OtherWorkerFinishesMeanwhile:
        """results.time, but the other worker stores its result while this one waits."""

        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(_seconds: float) -> None:
            with Session(db.engine) as other, other.begin():
                other.execute(
                    update(RoundResult).values(
                        version=version, payload=json.dumps(newest), computed_at=utcnow()
                    )
                )

    monkeypatch.setattr(results, "time", OtherWorkerFinishesMeanwhile)
    monkeypatch.setattr(
        results,
        "compute_payload",
        lambda *a: (_ for _ in ()).throw(AssertionError("computed twice")),
    )
    with app.app_context():
        db.session.expire_all()
        payload, payload_version = results.live_result_version(
            db.session, db.session.get(Round, ids["round_id"])
        )
        assert payload == newest and payload_version == version


def test_voter_ballots_read_what_the_result_needs_in_one_query(app, make_session):
    """The screen's one joined read gives each ballot its voter's organisation and groups
    exactly as the separate lookups do: a partner, an organisation typed in, no pillar."""
    from sqlalchemy import event, select

    from hhu_ranking.models import Organisation, Pillar
    from hhu_ranking.services.profiles import (
        organisation_keys,
        participant_groups,
        voter_ballots,
    )

    ids = make_session()
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        partner = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()[-1]
        pillar = db.session.scalars(select(Pillar).order_by(Pillar.position)).all()[-1]
        voters = [
            add_participant(round_.session, organisation_id=partner.id, pillar_id=pillar.id)[0],
            add_participant(round_.session, organisation_other="  Buurthuis  de Linde ")[0],
            add_participant(round_.session, organisation_other="buurthuis de linde")[0],
        ]
        voters[2].pillar_id = None
        orders = [ids["item_ids"], ids["item_ids"][::-1], ids["item_ids"][1:] + ids["item_ids"][:1]]
        for voter, order in zip(voters, orders, strict=True):
            cast_ballot(db.session, round_, voter, order)
        db.session.commit()

        statements = []

        def note(_conn, _cursor, statement, *_rest):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            read = voter_ballots(db.session, ids["round_id"])
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert len(statements) == 1

        ids_ = [v.id for v in voters]
        by_voter = {b.participant_id: b for b in read}
        assert {p: b.ranking for p, b in by_voter.items()} == dict(zip(ids_, orders, strict=True))
        assert {p: b.organisation for p, b in by_voter.items()} == organisation_keys(
            db.session, ids_
        )
        assert {p: b.groups for p, b in by_voter.items()} == participant_groups(db.session, ids_)
        # the two spellings of one typed-in organisation share a voice; the partner has a tier
        assert by_voter[ids_[1]].organisation == by_voter[ids_[2]].organisation
        assert by_voter[ids_[0]].groups == (f"pillar:{pillar.key}", f"tier:{partner.tier.value}")
        assert by_voter[ids_[2]].groups[0] == ""


def test_while_ballots_keep_coming_a_result_is_computed_at_most_once_an_interval(
    app, make_session, monkeypatch
):
    """LIVE_RESULT_SECONDS (0.5 in production): a result of fewer ballots, less than that old,
    is shown instead of computing again; after it, or after any change of the round itself
    (its items, state or settings), the next viewer gets every ballot."""
    from datetime import UTC, datetime, timedelta

    import time_machine
    from sqlalchemy import update

    app.config["LIVE_RESULT_SECONDS"] = 1
    ids = make_session()
    calls = _count_computations(monkeypatch)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    with app.app_context(), time_machine.travel(start, tick=False) as clock:
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"])
        db.session.commit()
        assert _viewers(ids["round_id"], 1) == [{"ballots": 1}]

        clock.shift(0.4)
        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"][::-1])
        db.session.commit()
        assert _viewers(ids["round_id"], 3) == [{"ballots": 1}] * 3
        assert calls == [1]

        clock.shift(0.7)  # 1.1 s after the first computation
        assert _viewers(ids["round_id"], 2) == [{"ballots": 2}] * 2
        assert calls == [1, 2]

        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"])
        db.session.execute(
            update(Round).where(Round.id == ids["round_id"]).values(version=Round.version + 1)
        )
        db.session.commit()
        clock.shift(0.1)
        assert _viewers(ids["round_id"], 1) == [{"ballots": 3}]
        assert calls == [1, 2, 3]


def test_with_no_interval_every_new_ballot_is_in_the_next_result(app, make_session):
    ids = make_session()
    assert app.config["LIVE_RESULT_SECONDS"] == 0
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        for count in (1, 2, 3):
            cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"])
            db.session.commit()
            assert [p["ballots"] for p in _viewers(ids["round_id"], 1)] == [count]


def test_ballots_that_came_in_while_claiming_are_claimed_before_they_are_computed(
    app, make_session, monkeypatch
):
    """A viewer claims the version it read; by the time it reads the ballots, more may have
    come, and another viewer may have claimed those already: then it leaves them to that one.
    Every version is computed once (bench/live_session.py counts the duplicates)."""
    from sqlalchemy import update

    from hhu_ranking.models import RoundResult, utcnow

    ids = make_session()
    calls = _count_computations(monkeypatch, real=True)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        open_round(db.session, round_)
        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"])
        db.session.commit()
        read = results.ballots_version(db.session, round_)  # what the viewer read and claimed
        cast_ballot(db.session, round_, _join(round_.session), ids["item_ids"][::-1])
        db.session.commit()
        now_in = results.ballots_version(db.session, round_)
        assert now_in > read
        results.live_result(db.session, round_)  # the row exists, holding one ballot's result
        calls.clear()
        # another viewer has claimed the two ballots meanwhile
        db.session.execute(
            update(RoundResult)
            .where(RoundResult.round_id == ids["round_id"])
            .values(version=read, claimed_version=now_in, claimed_at=utcnow())
        )
        db.session.commit()
        assert results.compute_and_store(db.session, round_, engine=db.engine, claimed=read) is None
        assert calls == []
        # nobody else has: this viewer claims them and computes them, once
        db.session.execute(
            update(RoundResult)
            .where(RoundResult.round_id == ids["round_id"])
            .values(claimed_version=read)
        )
        db.session.commit()
        payload, version = results.compute_and_store(
            db.session, round_, engine=db.engine, claimed=read
        )
        assert (payload["ballots"], version, calls) == (2, now_in, [2])
        db.session.expire_all()
        assert db.session.get(RoundResult, ids["round_id"]).claimed_version == now_in
