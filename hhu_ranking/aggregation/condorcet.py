"""Pairwise-majority methods: Schulze, Copeland, ranked pairs, Condorcet tests.

All of them read only the weighted pairwise matrix ``P`` (``P[i, j]`` = weight
of voters strictly preferring ``i`` to ``j``) and its margins ``M = P - P^T``,
so ties and unranked items inside a ballot count for neither side. Margins
within a tiny relative tolerance of zero count as ties, so that float weights
(one organisation, one voice) cannot turn a tie into a win by rounding.

Schulze and ranked pairs produce a strict partial order ("a is above b").
Their ranking lists it in layers: the first tier holds the alternatives
nothing is above (the method's winners), the next tier the winners once those
are set aside, and so on. So every "above" is respected, the first tier is
exactly the winner set, and only alternatives the method cannot separate
share a tier. Their ``scores`` are the ranking's consensus points (number of
alternatives in lower tiers plus half of those in the same tier), which
reproduce the tiers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from .profile import FloatArray, IntArray, Profile
from .result import MethodResult, tiers_from_scores

BoolArray = npt.NDArray[np.bool_]
Strength = Literal["margin", "winning"]


def _tolerance(profile: Profile) -> float:
    return 1e-9 * max(1.0, profile.total_weight)


def majority(profile: Profile) -> IntArray:
    """``(n, n)`` matrix: 1 where the row beats the column, -1 where it loses, 0 tie."""
    margins = profile.margins
    tol = _tolerance(profile)
    out: IntArray = (margins > tol).astype(np.int64) - (margins < -tol).astype(np.int64)
    return out


def condorcet_winner(profile: Profile) -> int | None:
    """The alternative that beats every other one head to head, if there is one."""
    beats = majority(profile) > 0
    for a in range(profile.n):
        if beats[a].sum() == profile.n - 1:
            return a
    return None


def condorcet_loser(profile: Profile) -> int | None:
    """The alternative that loses to every other one head to head, if there is one."""
    loses = majority(profile) < 0
    for a in range(profile.n):
        if loses[a].sum() == profile.n - 1:
            return a
    return None


def weak_condorcet_winners(profile: Profile) -> tuple[int, ...]:
    """Alternatives that lose to no other alternative (may be several, or none)."""
    loses = (majority(profile) < 0).any(axis=1)
    return tuple(int(a) for a in np.flatnonzero(~loses))


def first_place_counts(profile: Profile, *, split: bool = True) -> FloatArray:
    """Weighted number of ballots that put each alternative first.

    A ballot whose first tier holds ``t`` alternatives gives each of them
    ``weight / t`` when ``split`` (the counts then add up to the total weight),
    or the full weight when not. A ballot that ranks nothing ties every
    alternative at the top, consistently with the unranked convention.
    """
    if profile.m == 0:
        return np.zeros(profile.n)
    first = (profile.tier_index == 0).astype(np.float64)
    share = first / first.sum(axis=1, keepdims=True) if split else first
    counts: FloatArray = profile.weights @ share
    return counts


def layers(above: BoolArray) -> tuple[tuple[int, ...], ...]:
    """Tiers of a strict partial order: repeatedly take everything nothing is above."""
    n = above.shape[0]
    left = np.ones(n, dtype=bool)
    tiers: list[tuple[int, ...]] = []
    while left.any():
        free = left & ~(above & left[:, None]).any(axis=0)
        if not free.any():  # pragma: no cover - a strict partial order has no cycle
            raise ValueError("the relation has a cycle")
        tiers.append(tuple(int(a) for a in np.flatnonzero(free)))
        left &= ~free
    return tuple(tiers)


def tier_points(ranking: Sequence[Sequence[int]], n: int) -> dict[int, float]:
    """Consensus points of a weak order: alternatives below plus half of those tied."""
    points: dict[int, float] = {}
    placed = 0
    for tier in ranking:
        for a in tier:
            points[a] = float(n - placed - len(tier)) + (len(tier) - 1) / 2
        placed += len(tier)
    return points


# -- Copeland -------------------------------------------------------------------


def copeland(profile: Profile) -> MethodResult:
    """Copeland: 1 point per head-to-head win, 1/2 per tie, 0 per loss.

    This ranks exactly like "wins minus losses" (pref_voting's default), since
    the two differ by a positive factor and a constant.
    """
    sign = majority(profile)
    n = profile.n
    wins = (sign > 0).sum(axis=1)
    ties = (sign == 0).sum(axis=1) - 1  # the diagonal is a "tie" with itself
    scores = {a: float(wins[a] + 0.5 * ties[a]) for a in range(n)}
    return MethodResult(
        "copeland",
        tiers_from_scores(scores),
        scores,
        details={
            "wins": [int(w) for w in wins],
            "ties": [int(t) for t in ties],
            "losses": [int(n - 1 - wins[a] - ties[a]) for a in range(n)],
            "condorcet_winner": condorcet_winner(profile),
            "condorcet_loser": condorcet_loser(profile),
        },
    )


# -- Schulze --------------------------------------------------------------------


def strongest_paths(profile: Profile, strength: Strength = "margin") -> FloatArray:
    """``S[i, j]``: strength of the strongest path from ``i`` to ``j`` (Floyd-Warshall).

    A link ``i -> j`` exists when ``i`` beats ``j``; its strength is the margin
    (``"margin"``, as in pref_voting and most descriptions) or the number of
    votes for the winner (``"winning"``, Schulze's own default). On full strict
    ballots both give the same ranking; they differ only with ties and top-k
    ballots. A path is as strong as its weakest link.
    """
    if strength not in ("margin", "winning"):
        raise ValueError(f"unknown Schulze strength {strength!r}; use 'margin' or 'winning'")
    beats = majority(profile) > 0
    link = profile.margins if strength == "margin" else profile.pairwise
    paths: FloatArray = np.where(beats, link, 0.0)
    for k in range(profile.n):
        paths = np.maximum(paths, np.minimum(paths[:, k : k + 1], paths[k : k + 1, :]))
    np.fill_diagonal(paths, 0.0)
    return paths


def schulze(profile: Profile, *, strength: Strength = "margin") -> MethodResult:
    """Schulze (beatpath): ``a`` is above ``b`` when ``S[a, b] > S[b, a]``.

    That relation is a strict partial order (Schulze 2011, section 4.1); the
    ranking lists it in layers (see the module docstring), so the first tier
    is the Schulze winner set.
    """
    paths = strongest_paths(profile, strength)
    tol = _tolerance(profile)
    above = paths > paths.T + tol
    ranking = layers(above)
    return MethodResult(
        "schulze",
        ranking,
        tier_points(ranking, profile.n),
        details={
            "strength": strength,
            "strongest_paths": paths.tolist(),
            "beats": [int(c) for c in above.sum(axis=1)],
            "winners": list(ranking[0]) if ranking else [],
        },
    )


# -- ranked pairs ---------------------------------------------------------------


def borda_order(margins: FloatArray) -> list[int]:
    """Alternatives by margin row sum (highest first), then by index.

    An alternative's averaged Borda score is ``(n - 1) W / 2`` plus half its
    row sum, so this is the averaged-Borda order; sums equal up to rounding
    count as equal, so that float weights cannot reorder a true tie.
    """
    sums = margins.sum(axis=1)
    quantum = 1e-9 * max(1.0, float(np.abs(margins).sum()))
    quantised = np.round(sums / quantum)
    return sorted(range(len(sums)), key=lambda a: (-quantised[a], a))


def tie_break_order(profile: Profile) -> list[int]:
    """The fixed order that breaks equal margins in ranked pairs (and Kemeny ties)."""
    return borda_order(profile.margins)


def ranked_pairs(profile: Profile) -> MethodResult:
    """Ranked pairs (Tideman): lock majorities from the largest margin down.

    A majority ``i -> j`` is locked unless it would close a cycle with the
    pairs locked before. Equal margins are taken in a fixed order instead of
    trying every order (which explodes): by the tie-break order ``T`` of
    ``tie_break_order`` on the winner of the pair, then on its loser; this is
    pref_voting's ``ranked_pairs_tb`` with ``tie_breaker=T``. Zero margins are
    never locked, so alternatives they leave incomparable can share a tier;
    the locked order is listed in layers (see the module docstring), the first
    tier being the alternatives nothing is locked above. ``unique`` is False
    when the tie-break could have changed the result: some group of equal
    margins had a pair skipped.
    """
    n = profile.n
    margins = profile.margins
    tol = _tolerance(profile)
    order = tie_break_order(profile)
    rank = {a: r for r, a in enumerate(order)}
    pairs = [(i, j) for i in range(n) for j in range(n) if margins[i, j] > tol]
    # largest margin first; equal margins (up to the tolerance) by T
    quantised = {p: float(np.round(margins[p] / tol)) for p in pairs}
    pairs.sort(key=lambda p: (-quantised[p], rank[p[0]], rank[p[1]]))
    reach: BoolArray = np.eye(n, dtype=bool)  # reach[a, b]: a is locked above b (or a == b)
    locked: list[list[int]] = []
    skipped: list[list[int]] = []
    # the tie-break can only matter inside a group of equal margins that skips a pair:
    # if a group skips none, its union with the pairs before is acyclic in any order
    tie_break_used = False
    for _, group in itertools.groupby(pairs, key=lambda p: quantised[p]):
        members = list(group)
        skips = 0
        for i, j in members:
            if reach[j, i]:
                skipped.append([i, j])
                skips += 1
                continue
            locked.append([i, j])
            reach |= np.outer(reach[:, i], reach[j, :])
        tie_break_used |= skips > 0 and len(members) > 1
    np.fill_diagonal(reach, False)
    ranking = layers(reach)
    return MethodResult(
        "ranked-pairs",
        ranking,
        tier_points(ranking, n),
        unique=not tie_break_used,
        details={
            "locked": locked,
            "skipped": skipped,
            "tie_break": order,
            "tie_break_used": tie_break_used,
        },
    )
