"""Checking frozen outcomes (``flask verify-outcomes``): is every outcome still what it was?

Ballots may legitimately change after an outcome: a re-opened round accepts
revised ballots, so an older outcome's ballots are not the current ones.
That is why each outcome keeps its own snapshot (see ``services.outcomes``),
and verification checks, per outcome:

a. the SHA-256 of the stored canonical ballots equals the stored digest, and
   the stored text is in canonical form;
b. recomputing the result from those ballots (with the stored parameters)
   gives exactly the stored result text. When ``AGGREGATION_VERSION`` changed
   since the outcome was frozen, a difference is reported as such;
c. the live ``ballot`` table agrees with the snapshot: for the latest outcome
   of a round that is still closed, the live ballots must equal the snapshot
   exactly (nobody can vote in a closed round, so any difference is
   tampering); for older outcomes and re-opened rounds, every live ballot
   whose ``revision`` is still the one recorded at freezing must be unchanged
   (a revised ballot bumps its revision; a row edited behind the app's back
   does not). A ballot missing from the table is reported too, unless it was
   withdrawn from the round on request (a ``BallotWithdrawal``, see
   ``services.privacy``); the version frozen after that is checked without it.

So a ballot row changed by SQL after close is caught by (c); a snapshot
changed without its digest by (a); a snapshot and digest changed together by
(c) against the live ballots; a stored result changed by (b).

The findings are sentences for the operator, translated with ``lazy_gettext``
(Dutch on the command line, the source language).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BallotWithdrawal, Outcome, RoundState
from .outcomes import (
    WEIGHTING_ORGANISATION,
    aggregation_version,
    canonical_ballots,
    canonical_json,
    compute_result,
    digest,
    kemeny_time_limit,
    live_ballots,
)
from .profiles import organisation_keys


@dataclass
class Finding:
    """What verification found wrong with one outcome."""

    outcome_id: int
    round_id: int
    version_number: int
    session_title: str
    round_title: str
    problems: list[LazyString]
    #: True when the only problem is a recomputation under a newer aggregation version
    version_drift_only: bool = False

    @property
    def label(self) -> str:
        return str(
            _l(
                "sessie ‘%(session)s’, ronde ‘%(round)s’ (ronde %(round_id)d, uitkomst "
                "%(outcome_id)d, versie %(version)d)",
                session=self.session_title,
                round=self.round_title,
                round_id=self.round_id,
                outcome_id=self.outcome_id,
                version=self.version_number,
            )
        )


def verify_outcome(
    db: Session, outcome: Outcome, *, latest: bool, withdrawn: frozenset[int] | None = None
) -> Finding | None:
    """Check one outcome (a, b and c in the module docstring). None when all is well.

    ``withdrawn``: participants whose ballots were withdrawn from the round on request
    (``BallotWithdrawal``; read from the table when not given): their ballots are
    expected to be gone from the ballot table.
    """
    if withdrawn is None:
        withdrawn = withdrawals(db).get(outcome.round_id, frozenset())
    problems: list[LazyString] = []
    drift_problem = False
    round_ = outcome.round
    text = outcome.canonical_ballots
    if digest(text) != outcome.ballots_digest:
        problems.append(_l("de opgeslagen stemmen passen niet bij hun SHA-256"))
    try:
        snapshot: list[dict[str, Any]] = json.loads(text)
        if canonical_ballots((b["participant_id"], b["ranking"]) for b in snapshot) != text:
            problems.append(_l("de opgeslagen stemmen staan niet in de vaste (canonieke) vorm"))
    except (ValueError, KeyError, TypeError):
        problems.append(_l("de opgeslagen stemmen zijn geen geldige JSON"))
        snapshot = []
    if len(snapshot) != outcome.ballot_count:
        problems.append(
            _l(
                "%(counted)d stemmen geteld, maar %(kept)d bewaard",
                counted=outcome.ballot_count,
                kept=len(snapshot),
            )
        )

    data = outcome.data
    if snapshot or outcome.ballot_count == 0:
        try:
            again = canonical_json(
                compute_result(
                    data["items"], snapshot, data["parameters"], time_limit=kemeny_time_limit()
                )
            )
        except Exception as error:  # noqa: BLE001 - any failure to recompute is a finding
            problems.append(_l("opnieuw berekenen lukt niet: %(error)s", error=str(error)))
        else:
            if again != outcome.result:
                if outcome.aggregation_version != aggregation_version():
                    drift_problem = True
                    problems.append(
                        _l(
                            "opnieuw berekend geeft een andere uitslag; de rekencode is sinds "
                            "het sluiten veranderd (versie %(then)s -> %(now)s)",
                            then=outcome.aggregation_version,
                            now=aggregation_version(),
                        )
                    )
                else:
                    problems.append(
                        _l(
                            "opnieuw berekend uit de bewaarde stemmen geeft een "
                            "andere uitslag dan opgeslagen"
                        )
                    )

    problems.extend(_check_organisations(db, data.get("parameters") or {}))

    live_items = [(i.id, i.title) for i in round_.items]
    frozen_items = [(int(i["id"]), i["title"]) for i in data["items"]]
    if live_items != frozen_items:
        problems.append(_l("de onderdelen van de ronde wijken af van de uitslag"))

    problems.extend(
        _compare_live_ballots(
            db,
            outcome,
            snapshot,
            exact=latest and round_.state is RoundState.CLOSED,
            withdrawn=withdrawn,
        )
    )
    if not problems:
        return None
    return Finding(
        outcome.id,
        round_.id,
        outcome.version_number,
        round_.session.title,
        round_.title,
        problems,
        version_drift_only=drift_problem and len(problems) == 1,
    )


def _check_organisations(db: Session, parameters: dict[str, Any]) -> list[LazyString]:
    """One voice per organisation: the organisations it counted are still the participants'."""
    if parameters.get("weighting") != WEIGHTING_ORGANISATION:
        return []
    frozen = {int(p): key for p, key in (parameters.get("organisations") or {}).items()}
    live = organisation_keys(db, sorted(frozen))
    changed = sorted(p for p, key in frozen.items() if p in live and live[p] != key)
    if not changed:
        return []
    return [
        _l(
            "de organisatie van deelnemer(s) %(ids)s is veranderd sinds het sluiten "
            "(één stem per organisatie)",
            ids=_participants(changed),
        )
    ]


def withdrawals(db: Session) -> dict[int, frozenset[int]]:
    """Round id -> the participants whose ballots were withdrawn from it on request."""
    found: dict[int, set[int]] = {}
    for round_id, participant_id in db.execute(
        select(BallotWithdrawal.round_id, BallotWithdrawal.participant_id)
    ):
        found.setdefault(round_id, set()).add(participant_id)
    return {round_id: frozenset(ids) for round_id, ids in found.items()}


def _participants(ids: list[int]) -> str:
    return ", ".join(map(str, ids))


def _compare_live_ballots(
    db: Session,
    outcome: Outcome,
    snapshot: list[dict[str, Any]],
    *,
    exact: bool,
    withdrawn: frozenset[int] = frozenset(),
) -> list[LazyString]:
    frozen = {int(b["participant_id"]): [int(i) for i in b["ranking"]] for b in snapshot}
    revisions = {int(k): int(v) for k, v in json.loads(outcome.ballot_revisions).items()}
    live = {b.participant_id: b for b in live_ballots(db, outcome.round_id)}
    changed = sorted(
        pid
        for pid, ranking in frozen.items()
        if pid in live
        and [int(i) for i in live[pid].ranking] != ranking
        and (exact or live[pid].revision == revisions.get(pid))
    )
    missing = sorted(pid for pid in frozen if pid not in live and pid not in withdrawn)
    problems = []
    if changed:
        problems.append(
            _l(
                "stemmen in de stemmentabel zijn veranderd na het sluiten "
                "(deelnemer %(participants)s)",
                participants=_participants(changed),
            )
        )
    if exact:
        extra = sorted(pid for pid in live if pid not in frozen)
        if extra:
            problems.append(
                _l(
                    "de stemmentabel heeft stemmen die niet zijn meegeteld "
                    "(deelnemer %(participants)s)",
                    participants=_participants(extra),
                )
            )
    if missing:
        problems.append(
            _l(
                "meegetelde stemmen ontbreken in de stemmentabel (deelnemer %(participants)s)",
                participants=_participants(missing),
            )
        )
    return problems


def verify_all(db: Session) -> tuple[int, list[Finding]]:
    """Check every stored outcome. Returns how many were checked and what was found."""
    outcomes = list(db.scalars(select(Outcome).order_by(Outcome.round_id, Outcome.version_number)))
    newest: dict[int, int] = {}
    for outcome in outcomes:
        newest[outcome.round_id] = outcome.id
    findings = []
    withdrawn = withdrawals(db)
    for outcome in outcomes:
        finding = verify_outcome(
            db,
            outcome,
            latest=newest[outcome.round_id] == outcome.id,
            withdrawn=withdrawn.get(outcome.round_id, frozenset()),
        )
        if finding is not None:
            findings.append(finding)
    return len(outcomes), findings
