"""Frozen outcomes: what a round decided, kept for good and checkable at any time.

Freezing
--------
``freeze_outcome(db, round_)`` runs inside ``rounds.close_round``'s
transaction. It reads the round's ballots, computes the result with the
aggregation package (every method in ``METHODS``, agreement statistics,
per-item statistics) and stores a new ``Outcome`` row with the next
``version_number`` for that round. Re-opening and closing a round therefore
adds version 2, 3, ...; earlier versions stay as they were. There is no update
path: the service never changes an outcome, the ORM refuses to flush one, and
a database trigger rejects ``UPDATE`` on the table.

Canonical ballots
-----------------
The counted ballots are stored with the outcome as *canonical JSON*::

    [{"participant_id": 4, "ranking": [17, 15, 16]}, {"participant_id": 9, ...}]

* one object per ballot, sorted by ``participant_id`` ascending;
* ``ranking`` lists the round item ids best first, exactly as cast (a top-k
  ballot lists only its k items);
* serialised with ``json.dumps(..., sort_keys=True, separators=(",", ":"),
  ensure_ascii=True)``: no whitespace, keys sorted, ASCII only.

``ballots_digest`` is the SHA-256 (hex) of that text encoded as UTF-8. Anyone
with the ballots can rebuild the text and check the digest.

The ``result`` column holds the computed result in the same canonical JSON
style (``sort_keys``, fixed separators, ``NaN`` written as ``null``); its
``parameters`` record the methods, the weighting ("equal": every ballot counts
once), the bootstrap size and seed, so it can be recomputed exactly.

Reading an outcome (its ranked items, agreement, the JSON document) is in
``services.summaries``; verification (``flask verify-outcomes``) in
``services.verification``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..aggregation.profile import Profile
from ..greenlets import off_the_loop
from ..models import Ballot, Outcome, RankingSession, Round, RoundState, utcnow
from .profiles import document_profile, organisation_keys

#: every method an outcome is frozen with, in the order pages show them
METHODS: tuple[str, ...] = ("kemeny", "borda", "schulze", "copeland", "ranked-pairs")
#: the method whose order is "the" rank of an item (agenda provenance, history)
PRIMARY_METHOD = "kemeny"
WEIGHTING_EQUAL = "equal"
#: an organisation's ballots share one voice; the parameters keep each ballot's organisation
WEIGHTING_ORGANISATION = "organisation"
WEIGHTINGS = (WEIGHTING_EQUAL, WEIGHTING_ORGANISATION)
#: resamples for the stability estimate; seeded, so the result is reproducible.
#: Borda is resampled (cheap at any size); Kemeny on 30 items x 200 resamples is not.
BOOTSTRAP_SAMPLES = 200
BOOTSTRAP_SEED = 20190101
BOOTSTRAP_METHOD = "borda"
#: "top 3": the share of voters who put an item in their first TOP_K places
TOP_K = 3
#: the layout of ``Outcome.result``; bump when it changes
RESULT_FORMAT = 1


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no whitespace and ``null`` for NaN/inf: the same bytes every time."""
    return json.dumps(
        _finite(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _finite(value.item())
    return value


def canonical_ballots(ballots: Iterable[tuple[int, Sequence[int]]]) -> str:
    """The canonical JSON text of ``(participant_id, ranking)`` pairs (see module docstring)."""
    rows = sorted(((int(p), [int(i) for i in r]) for p, r in ballots), key=lambda row: row[0])
    return json.dumps(
        [{"participant_id": p, "ranking": r} for p, r in rows],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def aggregation_version() -> str:
    from .. import aggregation

    return str(getattr(aggregation, "AGGREGATION_VERSION", "unknown"))


# -- computing -----------------------------------------------------------------------------


def kemeny_time_limit() -> float:
    """Seconds the exact Kemeny solver may use (``KEMENY_TIME_LIMIT``), live and at close.

    Past it the result says so (``time_limit_hit``, not ``optimal``) and keeps the proven gap.
    """
    return float(current_app.config["KEMENY_TIME_LIMIT"])


def compute_result(
    items: Sequence[Mapping[str, Any]],
    ballots: Sequence[Mapping[str, Any]],
    parameters: Mapping[str, Any],
    *,
    time_limit: float | None = None,
) -> dict[str, Any]:
    """The result document for these items and canonical ballots (JSON-ready).

    ``items`` are ``{"id", "title", "explanation", "catalogue_item_id"}`` in the
    round's order (alternative ``i`` is ``items[i]``). ``time_limit`` bounds the Kemeny
    solver (seconds; None: the aggregation default). Pure: no database.
    """
    from ..aggregation import report

    result: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "items": [dict(item) for item in items],
        "ballot_count": len(ballots),
        "parameters": dict(parameters),
        "analysis": None,
        "methods": {},
        "agreement": {},
        "item_stats": {},
    }
    if not ballots:
        return result
    profile = document_profile(items, ballots)
    weighting = parameters.get("weighting", WEIGHTING_EQUAL)
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}")
    if weighting == WEIGHTING_ORGANISATION:
        profile = weigh_by_organisation(profile, ballots, parameters["organisations"])
    # off gevent's loop: an exact Kemeny may take up to its time limit (greenlets.py)
    analysis = off_the_loop(
        report.analyse,
        profile,
        methods=tuple(parameters["methods"]),
        bootstrap_samples=int(parameters["bootstrap_samples"]),
        seed=int(parameters["seed"]),
        top_k=int(parameters["top_k"]),
        bootstrap_method=parameters["bootstrap_method"],
        options=None if time_limit is None else {"kemeny": {"time_limit": time_limit}},
    )
    result["analysis"] = json.loads(canonical_json(analysis))
    item_ids = [int(item["id"]) for item in items]
    result.update(_normalise(result["analysis"], item_ids, parameters["methods"]))
    return result


def weigh_by_organisation(
    profile: Profile, ballots: Sequence[Mapping[str, Any]], organisations: Mapping[str, Any]
) -> Profile:
    """``profile`` (one ballot per canonical ballot, in order) with one voice per organisation.

    ``organisations`` maps a participant id (as text) to its organisation's key, or
    None for someone of no organisation, who keeps a voice of their own.
    """
    from ..aggregation.weighting import organisation_weights

    keys = [organisations.get(str(b["participant_id"])) for b in ballots]
    return profile.with_weights(organisation_weights([1.0] * len(keys), keys))


def _normalise(
    analysis: Mapping[str, Any], item_ids: Sequence[int], methods: Sequence[str]
) -> dict[str, Any]:
    """Pull the parts pages rely on out of the aggregation report, keyed by round item id.

    Kept apart from the verbatim ``analysis`` (alternatives numbered 0..n-1,
    see ``aggregation.report``) so pages, exports and the API read one stable
    shape: ``methods[m] = {"ranking": [[item ids]...], "scores": {item id:
    score}, "unique": bool, "mean_distance": float}``, ``agreement`` and
    ``item_stats[item id]``.
    """

    def item(alternative: Any) -> int:
        return item_ids[int(alternative)]

    out_methods: dict[str, Any] = {}
    reported = analysis.get("methods") or {}
    for method in methods:
        entry = reported.get(method)
        if entry is None:
            continue
        distance = entry.get("distance_to_consensus") or {}
        out_methods[method] = {
            "ranking": [[item(a) for a in tier] for tier in entry["ranking"]],
            "scores": {str(item(a)): s for a, s in (entry.get("scores") or {}).items()},
            "unique": bool(entry.get("unique", True)),
            "mean_distance": distance.get("mean"),
        }
    agreement = analysis.get("agreement") or {}
    out_agreement = {
        "kendall_w": agreement.get("kendall_w"),
        "chi_square": agreement.get("chi_square"),
        "degrees_of_freedom": agreement.get("degrees_of_freedom"),
        "p_value": agreement.get("p_value"),
        "mean_pairwise_tau": agreement.get("mean_pairwise_distance"),
        "top_k": analysis.get("top_k"),
    }
    stats: dict[str, Any] = {}
    for row in analysis.get("items") or []:
        values = {k: v for k, v in row.items() if k not in ("id", "name")}
        stats.setdefault(str(item(row["id"])), {}).update(values)
    bootstrap = analysis.get("bootstrap") or {}
    for row in bootstrap.get("items") or []:
        stats.setdefault(str(item(row["id"])), {}).update(
            {"keeps_place": row.get("keeps_place"), "in_top_k": row.get("in_top_k")}
        )
    return {"methods": out_methods, "agreement": out_agreement, "item_stats": stats}


def default_parameters() -> dict[str, Any]:
    return {
        "methods": list(METHODS),
        "weighting": WEIGHTING_EQUAL,
        "top_k": TOP_K,
        "bootstrap_samples": BOOTSTRAP_SAMPLES,
        "seed": BOOTSTRAP_SEED,
        "bootstrap_method": BOOTSTRAP_METHOD,
        "primary_method": PRIMARY_METHOD,
    }


def _items_of(round_: Round) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "title": i.title,
            "explanation": i.explanation,
            "catalogue_item_id": i.catalogue_item_id,
        }
        for i in round_.items
    ]


def live_ballots(db: Session, round_id: int) -> list[Ballot]:
    """The round's ballots as they are in the table now, freshly read, by participant."""
    return list(
        db.scalars(
            select(Ballot)
            .where(Ballot.round_id == round_id)
            .order_by(Ballot.participant_id)
            .execution_options(populate_existing=True)
        )
    )


# -- freezing ------------------------------------------------------------------------------


def freeze_outcome(db: Session, round_: Round, *, withdrawn: Sequence[int] = ()) -> Outcome:
    """Store the outcome of a round that has just closed (called by ``rounds.close_round``).

    ``withdrawn``: the participants whose ballots were just withdrawn on request from the
    closed round (``services.privacy``); the new version is frozen now, without them, and
    records who left.
    """
    if round_.state is not RoundState.CLOSED:
        raise ValueError("only a closed round has an outcome")
    ballots = live_ballots(db, round_.id)
    text = canonical_ballots((b.participant_id, b.ranking) for b in ballots)
    parameters = default_parameters()
    if round_.weighting == WEIGHTING_ORGANISATION:
        parameters["weighting"] = WEIGHTING_ORGANISATION
        parameters["organisations"] = {
            str(p): key
            for p, key in organisation_keys(db, [b.participant_id for b in ballots]).items()
        }
    result = compute_result(
        _items_of(round_), json.loads(text), parameters, time_limit=kemeny_time_limit()
    )
    version = (
        int(
            db.scalar(
                select(func.coalesce(func.max(Outcome.version_number), 0)).where(
                    Outcome.round_id == round_.id
                )
            )
            or 0
        )
        + 1
    )
    outcome = Outcome(
        round_id=round_.id,
        version_number=version,
        frozen_at=utcnow() if withdrawn else (round_.closed_at or utcnow()),
        ballot_count=len(ballots),
        weighting=parameters["weighting"],
        primary_method=PRIMARY_METHOD,
        aggregation_version=aggregation_version(),
        ballots_digest=digest(text),
        canonical_ballots=text,
        ballot_revisions=canonical_json({str(b.participant_id): b.revision for b in ballots}),
        result=canonical_json(result),
        withdrawn=canonical_json(sorted(int(p) for p in withdrawn)),
        # frozen with the ballots: exports follow this, not the round's flag of later
        anonymous=round_.anonymous,
    )
    db.add(outcome)
    db.flush()
    return outcome


# -- reading -------------------------------------------------------------------------------


def outcomes_of_round(db: Session, round_id: int) -> list[Outcome]:
    """Every version, newest first."""
    return list(
        db.scalars(
            select(Outcome)
            .where(Outcome.round_id == round_id)
            .order_by(Outcome.version_number.desc())
        )
    )


def latest_outcome(db: Session, round_id: int) -> Outcome | None:
    return db.scalar(
        select(Outcome)
        .where(Outcome.round_id == round_id)
        .order_by(Outcome.version_number.desc())
        .limit(1)
    )


def latest_outcome_ids(db: Session, round_ids: Sequence[int]) -> dict[int, int]:
    """Round id -> id of its newest outcome (for links in round lists)."""
    if not round_ids:
        return {}
    newest = (
        select(Outcome.round_id, func.max(Outcome.version_number).label("v"))
        .where(Outcome.round_id.in_(round_ids))
        .group_by(Outcome.round_id)
        .subquery()
    )
    rows = db.execute(
        select(Outcome.round_id, Outcome.id).join(
            newest, (Outcome.round_id == newest.c.round_id) & (Outcome.version_number == newest.c.v)
        )
    )
    return {round_id: outcome_id for round_id, outcome_id in rows}


def all_outcomes(db: Session) -> list[Outcome]:
    """Every outcome, most recent session first (for pickers and the overview)."""
    return list(
        db.scalars(
            select(Outcome)
            .join(Round, Outcome.round_id == Round.id)
            .join(RankingSession, Round.session_id == RankingSession.id)
            .order_by(
                RankingSession.held_on.desc(),
                RankingSession.id.desc(),
                Round.position,
                Outcome.version_number.desc(),
            )
        )
    )
