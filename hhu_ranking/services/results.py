"""Live results: computed at most once per version of a round's ballots, shared by every viewer.

A round's ballots are versioned by :func:`ballots_version`, from the round's own
version (bumped on state changes) and the sum of its ballots' ``seq`` (a new,
larger number on every insert and revision), so no ballot has to update a
shared counter row. The computation is claimed with one conditional UPDATE in its own short
transaction, so across workers and hosts exactly one request computes a new
version while the others wait for it, up to ``CLAIM_WAIT`` (a computation
usually takes milliseconds), and then serve the previous payload. A claim
older than ``CLAIM_TIMEOUT`` is considered abandoned (its worker died) and can
be taken over. While ballots keep coming in, a result less than
``LIVE_RESULT_SECONDS`` old is shown rather than computed again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, overload

import numpy as np
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..greenlets import off_the_loop
from ..models import Ballot, Round, RoundResult, utcnow
from .breakdowns import group_breakdown
from .dml import rows_matched
from .outcomes import WEIGHTING_ORGANISATION, kemeny_time_limit
from .profiles import RankedBallot, round_profile, voter_ballots

CLAIM_TIMEOUT = timedelta(seconds=30)
#: how long a viewer waits for another worker's computation before showing the previous result
CLAIM_WAIT = 0.5
CLAIM_WAIT_STEP = 0.02
LIVE_METHODS = ("borda", "kemeny")
#: resamples of the live bootstrap (top-3 chances): cheap enough to run once a second
LIVE_BOOTSTRAP_SAMPLES = 200
LIVE_BOOTSTRAP_SEED = 2016
#: the round's version counts above the ballots' seq sum (which stays far below 2**40)
ROUND_VERSION_SHIFT = 40


def ballots_version(db: Session, round_: Round) -> int:
    """A number that grows with every committed change of the round or its ballots."""
    total = db.scalar(
        select(func.coalesce(func.sum(Ballot.seq), 0)).where(Ballot.round_id == round_.id)
    )
    return _version(round_, int(total or 0))


def _version(round_: Round, seq_sum: int) -> int:
    return (round_.version << ROUND_VERSION_SHIFT) + seq_sum


def compute_payload(
    round_: Round,
    ballots: Sequence[RankedBallot],
    organisations: Mapping[int, str | None] | None = None,
    groups: Mapping[int, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Everything the big screen shows about a round's result, JSON-ready.

    ``organisations`` (participant id -> organisation key, ``profiles.organisation_keys``)
    weighs the ballots as the round says (each person or each organisation one voice) and
    says where the other weighting's Borda order would differ. ``groups`` (participant id
    -> pillar and tier, ``profiles.participant_groups``) adds the breakdown, without any
    group smaller than ``BREAKDOWN_MIN_VOTERS`` (``breakdowns.group_breakdown``).
    """
    from ..aggregation import contrast
    from ..aggregation.bootstrap import competition_positions
    from ..aggregation.borda import borda_points
    from ..aggregation.report import analyse, jsonable
    from ..aggregation.weighting import organisation_weights
    from ..places import competition_places

    items = [{"id": item.id, "title": item.title} for item in round_.items]
    payload: dict[str, Any] = {
        "round_id": round_.id,
        "ballots": len(ballots),
        "items": items,
        "weighting": round_.weighting,
    }
    if not ballots:
        payload["analysis"] = None
        return payload
    rp = round_profile(round_, ballots)
    equal = rp.profile
    ones = [1.0] * equal.m
    by_organisation = ones
    if organisations is not None:
        keys = [organisations.get(p) for p in rp.participant_ids]
        by_organisation = organisation_weights(ones, keys)
    organisation_round = round_.weighting == WEIGHTING_ORGANISATION
    profile = equal.with_weights(by_organisation) if organisation_round else equal
    other_weights = ones if organisation_round else by_organisation
    kemeny = {"time_limit": kemeny_time_limit()}
    # off gevent's loop: the bootstrap and Kemeny of a large round would hold every request
    # of the worker meanwhile
    analysis = off_the_loop(
        analyse,
        profile,
        methods=LIVE_METHODS,
        options={"kemeny": kemeny},
        # Borda's bootstrap is one matrix product per resample: a few hundred, seeded, so
        # the same ballots always give the same chances (and the same cached bytes)
        bootstrap_samples=LIVE_BOOTSTRAP_SAMPLES,
        seed=LIVE_BOOTSTRAP_SEED,
    )
    payload["analysis"] = analysis
    payload["contrast"] = {
        "disagreements": contrast.disagreements(analysis, "borda", "kemeny"),
        "polarised": contrast.most_polarised(analysis),
        "top": contrast.top_certainty(analysis),
        "spread": jsonable(contrast.place_spread(profile)),
    }
    if organisations is not None:
        # the other weighting's Borda places (one matrix product), where they differ
        here = competition_places(analysis["methods"]["borda"]["ranking"])
        scores = np.asarray(other_weights) @ borda_points(equal)
        there = {a: int(p) for a, p in enumerate(competition_positions(scores))}
        payload["contrast"]["other_weighting"] = [
            {"id": a, "place": here[a], "other": there[a]}
            for a in sorted(here)
            if here[a] != there[a]
        ]
    if groups is not None:
        overall = competition_places(analysis["methods"]["borda"]["ranking"])
        payload["breakdown"] = group_breakdown(profile, rp.participant_ids, groups, overall)
    return payload


def _ensure_row(db: Session, round_id: int) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(
        insert(RoundResult)
        .values(round_id=round_id, version=0, claimed_version=0, payload="")
        .on_conflict_do_nothing()
    )


def live_result(db: Session, round_: Round) -> dict[str, Any] | None:
    """The result for the round's current version, computing it if this request wins the claim.

    Returns the newest available payload (one version behind when another
    worker's computation takes longer than ``CLAIM_WAIT``), or None when
    nothing was ever computed.
    """
    return live_result_version(db, round_)[0]


def live_result_version(
    db: Session, round_: Round, version: int | None = None
) -> tuple[dict[str, Any] | None, int]:
    """:func:`live_result` and the ballots' version that payload was computed for.

    The version comes from the same row read as the payload: a second read could
    already see a newer version stored by another worker meanwhile. ``version`` is the
    ballots' version when the caller has just read it (:func:`ballots_version`).
    """
    if version is None:
        version = ballots_version(db, round_)
    cached = db.get(RoundResult, round_.id)
    now = utcnow()
    if _shown(cached, round_, version, now):
        assert cached is not None
        return dict(json.loads(cached.payload)), cached.version
    engine = db.get_bind()
    with Session(engine) as claim_session, claim_session.begin():
        _ensure_row(claim_session, round_.id)
        # ballots were deleted (the sum went down): what is stored is of no later version
        claim_session.execute(
            update(RoundResult)
            .where(RoundResult.round_id == round_.id, RoundResult.version > version)
            .values(version=0, claimed_version=0, payload="")
        )
        claimed = _claim(claim_session, round_.id, version, now)
    if claimed:
        computed = compute_and_store(db, round_, engine=engine, claimed=version)
        if computed is not None:
            return computed
    # another worker computes this version (or a newer one): wait for it, briefly, so that
    # screens polling during a stream of ballots do not show the previous ranking
    deadline = time.monotonic() + CLAIM_WAIT
    while True:
        db.expire_all()
        cached = db.get(RoundResult, round_.id)
        if cached is None or cached.version >= version or time.monotonic() >= deadline:
            break
        time.sleep(CLAIM_WAIT_STEP)
    if cached is not None and cached.payload:
        return dict(json.loads(cached.payload)), cached.version
    return None, 0


def _claim(db: Session, round_id: int, version: int, now: datetime) -> bool:
    """Claim the computation of ``version``: True for exactly one request, on any host."""
    claim = (
        update(RoundResult)
        .where(
            RoundResult.round_id == round_id,
            or_(
                RoundResult.claimed_version < version,
                RoundResult.claimed_at < now - CLAIM_TIMEOUT,
            ),
        )
        .where(RoundResult.version < version)
        .values(claimed_version=version, claimed_at=now)
    )
    return rows_matched(db, claim) == 1


def _shown(cached: RoundResult | None, round_: Round, version: int, now: datetime) -> bool:
    """Whether the stored result is shown as it is: the one of these ballots, or one of
    fewer ballots but recent enough (``LIVE_RESULT_SECONDS``).

    In a hall, ballots arrive faster than anyone can read a ranking: two projectors
    would each compute it afresh every second. A result of this very round (its own
    version unchanged: same items, state and weighting) computed less than that long
    ago is shown instead; once the ballots stop, the next viewer gets them all.
    """
    if cached is None or not cached.payload:
        return False
    if cached.version == version:
        return True
    interval = float(current_app.config.get("LIVE_RESULT_SECONDS", 0))
    return (
        interval > 0
        and cached.version < version
        and cached.version >> ROUND_VERSION_SHIFT == round_.version
        and cached.computed_at is not None
        and now - cached.computed_at < timedelta(seconds=interval)
    )


@overload
def compute_and_store(
    db: Session, round_: Round, *, engine: Any = None, claimed: None = None
) -> tuple[dict[str, Any], int]: ...


@overload
def compute_and_store(
    db: Session, round_: Round, *, engine: Any, claimed: int
) -> tuple[dict[str, Any], int] | None: ...


def compute_and_store(
    db: Session, round_: Round, *, engine: Any = None, claimed: int | None = None
) -> tuple[dict[str, Any], int] | None:
    """Compute the round's result from its ballots now and store it under their version.

    With ``engine`` the result is stored in a transaction of its own (a viewer's
    request); without, in ``db``'s transaction (closing a round stores the final
    result together with its outcome, so the first screen after the close finds it).

    ``claimed``: the version this viewer claimed. Ballots that came in since it read that
    version are claimed too before computing, and None is returned when another viewer
    claimed them first: each version is computed once, however fast ballots come.
    """
    # plain rows, not ORM objects: a screen polls this once a second with thousands of ballots
    ballots = voter_ballots(db, round_.id)
    version = _version(round_, sum(b.seq for b in ballots))
    if claimed is not None and version > claimed:
        with Session(engine) as claim_session, claim_session.begin():
            if not _claim(claim_session, round_.id, version, utcnow()):
                return None
    payload = compute_payload(
        round_,
        ballots,
        {b.participant_id: b.organisation for b in ballots},
        {b.participant_id: b.groups for b in ballots},
    )
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    store = (
        update(RoundResult)
        .where(RoundResult.round_id == round_.id, RoundResult.version < version)
        .values(version=version, payload=text, computed_at=utcnow())
    )
    if engine is None:
        _ensure_row(db, round_.id)
        db.execute(store)
    else:
        with Session(engine) as store_session, store_session.begin():
            store_session.execute(store)
    return payload, version
