"""Bootstrap stability: how firmly each item holds its place in the consensus.

A facilitator needs to know whether "Wijkgerichte preventie came first" would
survive if a few different people had turned up. The bootstrap answers that by
re-drawing the room: ``samples`` times, draw as many voters as took part, with
replacement, recompute the consensus, and count how often each item keeps its
place and how often it lands in the top ``k``.

It is vectorised rather than a loop over resamples. Identical ballots are
merged first; a resample is then just a vector of counts per distinct ballot,
and the Borda scores of ``B`` resamples are one ``(B, u) @ (u, n)`` matrix
product with the per-ballot points. (``scipy.stats.bootstrap`` is not used: it
resamples a scalar statistic, and with BCa it re-runs it once per voter.)

Reproducible: the same profile, seed and options give the same numbers on
every machine, whatever the order the ballots arrived in, because the draws
come from ``numpy.random.default_rng(seed)`` over the canonically ordered,
merged ballots.

How many voters a resample draws: when every weight is a whole number each
unit of weight is one voter, so ``round(total weight)`` voters are drawn with
probability proportional to weight (exactly the classic bootstrap of the
duplicated ballots). With fractional weights ("one organisation, one voice")
the number of ballots is drawn instead, again proportional to weight.
``draws`` overrides both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .borda import PartialRule, borda_points
from .kemeny import solve_kemeny
from .profile import FloatArray, IntArray, Profile, WeakOrder

__all__ = ["BOOTSTRAP_METHODS", "BootstrapResult", "bootstrap_stability", "competition_positions"]

#: Consensus methods the bootstrap can recompute.
BOOTSTRAP_METHODS: tuple[str, ...] = ("borda", "kemeny")
#: Resamples per vectorised chunk: bounds memory at ``chunk * ballots`` counts.
_CHUNK = 100


@dataclass(frozen=True)
class BootstrapResult:
    """Per-item stability of a consensus, each array of shape ``(n,)``.

    ``place`` is the item's 1-based position in the consensus of the full
    profile (tied items share the best position of their tier, "1, 2, 2, 4").
    ``keeps_place`` is the share of resamples in which its position equals
    ``place``; ``in_top_k`` the share in which its position is at most
    ``top_k`` (a tie straddling ``top_k`` counts as in); ``position_low`` and
    ``position_high`` bound the middle 90% of its resampled positions.
    """

    method: str
    samples: int
    seed: int
    top_k: int
    draws: int
    place: IntArray
    keeps_place: FloatArray
    in_top_k: FloatArray
    position_low: IntArray
    position_high: IntArray


def competition_positions(scores: FloatArray, *, tolerance: float | None = None) -> IntArray:
    """1-based competition positions ("1, 2, 2, 4") per row of ``scores``, higher is better.

    ``scores`` may be ``(n,)`` or ``(B, n)``. Scores within ``tolerance`` count
    as equal; by default ``1e-9`` times the largest absolute score (at least
    ``1e-9``), so that rounding noise never separates a genuine tie.
    """
    s = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if tolerance is None:
        tolerance = 1e-9 * max(1.0, float(np.abs(s).max(initial=0.0)))
    beaten_by = (s[:, None, :] > s[:, :, None] + tolerance).sum(axis=2)
    result: IntArray = (beaten_by + 1).astype(np.int64)
    return result[0] if np.ndim(scores) == 1 else result


def _positions_of(n: int, ranking: WeakOrder) -> IntArray:
    """Competition positions of a weak order; items it leaves out share the last tier."""
    out = np.zeros(n, dtype=np.int64)
    placed = 0
    seen: set[int] = set()
    for tier in ranking:
        out[list(tier)] = placed + 1
        placed += len(tier)
        seen.update(tier)
    rest = [a for a in range(n) if a not in seen]
    out[rest] = placed + 1
    return out


def _draw_counts(
    rng: np.random.Generator, weights: FloatArray, draws: int, samples: int, whole: bool
) -> IntArray:
    """``(samples, u)`` counts of each merged ballot in ``samples`` resamples of ``draws``."""
    u = weights.size
    if whole:
        # one entry per voter: uniform integers are much faster than weighted choice
        owner = np.repeat(np.arange(u, dtype=np.int64), np.rint(weights).astype(np.int64))
        picked = owner[rng.integers(0, owner.size, size=(samples, draws))]
    else:
        picked = rng.choice(u, size=(samples, draws), p=weights / weights.sum())
    offsets = (np.arange(samples, dtype=np.int64) * u)[:, None]
    counts: IntArray = np.bincount((picked + offsets).ravel(), minlength=samples * u).reshape(
        samples, u
    )
    return counts


def bootstrap_stability(
    profile: Profile,
    *,
    samples: int = 1000,
    seed: int = 0,
    top_k: int = 3,
    method: str = "borda",
    draws: int | None = None,
    reference: WeakOrder | None = None,
    partial: PartialRule = "average",
    kemeny_time_limit: float = 10.0,
) -> BootstrapResult:
    """Resample the voters ``samples`` times and measure each item's stability.

    ``method`` is ``"borda"`` (with Borda's ``partial`` rule for tied and
    unranked items, averaged by default; vectorised) or ``"kemeny"`` (the exact
    solver on each resample's pairwise matrix, with ``kemeny_time_limit`` per
    solve; much slower, one solve per resample).
    ``reference`` is the full-profile ranking to measure against; by default
    it is recomputed with the same rule. See the module docstring for
    ``draws``.
    """
    if method not in BOOTSTRAP_METHODS:
        raise ValueError(
            f"unknown bootstrap method {method!r}; expected one of {BOOTSTRAP_METHODS}"
        )
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    n = profile.n
    whole = bool(np.all(np.abs(profile.weights - np.rint(profile.weights)) <= 1e-9))
    if draws is None:
        draws = int(round(profile.total_weight)) if whole else profile.m
    if profile.m == 0 or draws < 1:
        raise ValueError("the bootstrap needs at least one ballot")
    merged = profile.compressed()
    weights = merged.weights
    rng = np.random.default_rng(seed)

    if method == "borda":
        points = borda_points(merged, partial)  # (u, n) points per merged ballot
        if reference is None:
            place = competition_positions(weights @ points)
        else:
            place = _positions_of(n, reference)
    else:
        t = merged.tier_index
        # per merged ballot, (n * n) indicators "i strictly above j"
        above = (t[:, :, None] < t[:, None, :]).reshape(merged.m, n * n).astype(np.float64)
        if reference is None:
            reference = solve_kemeny(merged.pairwise, time_limit=kemeny_time_limit).ranking
        place = _positions_of(n, reference)

    positions = np.empty((samples, n), dtype=np.int64)
    for start in range(0, samples, _CHUNK):
        size = min(_CHUNK, samples - start)
        counts = _draw_counts(rng, weights, draws, size, whole).astype(np.float64)
        if method == "borda":
            positions[start : start + size] = competition_positions(counts @ points)
        else:
            pairwise = (counts @ above).reshape(size, n, n)
            for row in range(size):
                solution = solve_kemeny(pairwise[row], time_limit=kemeny_time_limit)
                positions[start + row] = _positions_of(n, solution.ranking)

    low, high = np.quantile(positions, [0.05, 0.95], axis=0, method="inverted_cdf")
    return BootstrapResult(
        method=method,
        samples=samples,
        seed=seed,
        top_k=top_k,
        draws=draws,
        place=place,
        keeps_place=(positions == place[None, :]).mean(axis=0),
        in_top_k=(positions <= top_k).mean(axis=0),
        position_low=low.astype(np.int64),
        position_high=high.astype(np.int64),
    )
