"""Borda count, with the standard rules for top-k ballots and ties.

On a full strict ballot over ``n`` items the top item gets ``n - 1`` points,
the next ``n - 2`` and so on down to 0. Ballots that tie items or leave items
unranked need a rule; the partners' ballots often do both, so it is a choice
(``partial=``), reported in ``details``:

- ``"average"`` (default): items sharing a tier, or left unranked, share the
  points of the positions they span equally ("averaged" or symmetric Borda).
  It is the only rule under which a ballot's unranked items are treated
  exactly like a tie at the bottom, it never rewards truncating a ballot, and
  it equals the pairwise view: an item's points are the number of items a
  ballot puts below it plus half of those it ties with. Score = ``n - position``
  with the fractional position of ``Profile.positions``.
- ``"zero"`` (pessimistic): ranked items keep their ``n - 1, n - 2, ...``
  points (tied ranked items average theirs), unranked items get 0.
- ``"modified"`` (Emerson's modified Borda count): with ``k`` items ranked,
  the top gets ``k`` points, the last ranked 1 (tied ranked items average),
  unranked 0; a voter who ranks fewer items gives fewer points.

Scores are weighted totals. Items with equal scores share a tier.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .profile import FloatArray, Profile
from .result import MethodResult, tiers_from_scores

PartialRule = Literal["average", "zero", "modified"]
PARTIAL_RULES: tuple[PartialRule, ...] = ("average", "zero", "modified")


def borda_points(profile: Profile, partial: PartialRule = "average") -> FloatArray:
    """``(m, n)`` points each ballot gives each alternative under ``partial``."""
    if partial not in PARTIAL_RULES:
        raise ValueError(f"unknown partial-ballot rule {partial!r}; use one of {PARTIAL_RULES}")
    n = profile.n
    positions = profile.positions
    if partial == "average":
        return n - positions
    ranked_count = np.array([len(b.ranked) for b in profile.ballots], dtype=np.float64)
    unranked = (
        profile.tier_index
        >= np.array([len(b.tiers) for b in profile.ballots], dtype=np.int64)[:, None]
    )
    # "zero" keeps the full-ballot points; "modified" counts from the k ranked
    top = float(n) if partial == "zero" else ranked_count[:, None] + 1
    return np.where(unranked, 0.0, top - positions)


def borda_scores(profile: Profile, partial: PartialRule = "average") -> FloatArray:
    """Weighted Borda score of every alternative (vectorised over the ballots)."""
    if profile.m == 0:
        return np.zeros(profile.n)
    scores: FloatArray = profile.weights @ borda_points(profile, partial)
    return scores


def borda(profile: Profile, *, partial: PartialRule = "average") -> MethodResult:
    """Borda ranking: higher score ranks higher, equal scores share a tier."""
    values = borda_scores(profile, partial)
    scores = {a: float(values[a]) for a in range(profile.n)}
    # scores are sums of weights times halves: compare them relative to their size
    tolerance = 1e-9 * max(1.0, profile.total_weight * profile.n)
    ranking = tiers_from_scores(scores, tolerance=tolerance)
    return MethodResult(
        "borda",
        ranking,
        scores,
        unique=True,
        details={"partial": partial, "max_points": float(max(profile.n - 1, 0))},
    )
