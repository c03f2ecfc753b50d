"""How much the voters agree, and where they differ.

A consensus ranking alone hides whether the room was unanimous or split down
the middle; the partners asked for those differences of view to be visible.
Every statistic here is a vectorised function of the profile's ``(m, n)``
matrices (``tier_index``, ``positions``, ``pairwise``), so that a session of
5,000 ballots over 20 items is summarised in a few milliseconds.

Conventions shared by every function:

* **Ranks** are the profile's fractional positions (1 = best): alternatives
  sharing a tier, or left unranked (tied below every ranked one), get the mean
  of the positions they span.
* **Weights** count voters. A ballot of weight ``w`` enters every sum exactly
  as ``w`` identical ballots of weight 1 would, so with whole-number weights
  each statistic equals the one computed on the duplicated ballots. Fractional
  weights (the "one organisation, one voice" weighting) use the same formulas.
* Values that are undefined (no ballots, a single item, nobody expressing any
  preference) are ``nan``; the report turns them into JSON ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .profile import FloatArray, IntArray, Profile, WeakOrder

__all__ = [
    "Agreement",
    "ItemStatistics",
    "KendallW",
    "agreement",
    "consensus_tier_index",
    "item_statistics",
    "kendall_tau_distances",
    "kendall_w",
    "mean_pairwise_distance",
    "pairwise_support",
    "weighted_quantiles",
]

#: The quantiles reported for ranks and distances: lower quartile, median, upper quartile.
QUARTILES: tuple[float, float, float] = (0.25, 0.5, 0.75)


# -- Kendall's W --------------------------------------------------------------------------


@dataclass(frozen=True)
class KendallW:
    """Kendall's coefficient of concordance with its chi-square test.

    ``w`` runs from 0 (no agreement beyond chance) to 1 (every voter gives the
    same ranking). ``chi_square = W_total * (n - 1) * w`` is Friedman's statistic
    with the tie correction; ``p_value`` is its upper tail under the chi-square
    distribution with ``n - 1`` degrees of freedom: a small p-value means the
    agreement is unlikely to be chance.
    """

    w: float
    chi_square: float
    degrees_of_freedom: int
    p_value: float


def kendall_w(profile: Profile) -> KendallW:
    """Kendall's W with the correction for ties, weighted, and its p-value.

    With ``R_i = sum_j w_j r_ij`` the weighted rank sum of item ``i`` and
    ``W = sum_j w_j`` the total weight (the number of voters)::

        S  = sum_i (R_i - W (n + 1) / 2) ** 2
        T_j = sum over the tie groups g of ballot j of (g ** 3 - g)
        w  = 12 S / (W**2 (n**3 - n) - W sum_j w_j T_j)

    This is the textbook formula with the voter count replaced by the total
    weight and every per-voter sum weighted, so whole-number weights give
    exactly the value of the duplicated ballots. Unranked items form one tie
    group at the bottom of each ballot, as everywhere in this package.

    Agreement needs at least two voters: with one ballot of weight below 2 the
    statistic would be a meaningless 1, so it is undefined (NaN) instead.
    """
    n = profile.n
    weights = profile.weights
    total = float(weights.sum())
    dof = max(n - 1, 0)
    if n < 2 or total <= 0 or (profile.m < 2 and total < 2):
        return KendallW(math.nan, math.nan, dof, math.nan)
    rank_sums = weights @ profile.positions
    spread = float(((rank_sums - total * (n + 1) / 2.0) ** 2).sum())
    sizes = profile.tier_sizes
    # each of the g members of a tie group contributes g**2 - 1, so the group adds g**3 - g
    ties = (sizes * sizes - 1).sum(axis=1).astype(np.float64)
    denominator = total * total * (n**3 - n) - total * float(weights @ ties)
    if denominator <= 1e-12 * total * total * (n**3 - n):
        # every ballot ties every item: there is nothing to agree on
        return KendallW(math.nan, math.nan, dof, math.nan)
    w = min(max(12.0 * spread / denominator, 0.0), 1.0)
    chi_square = total * (n - 1) * w
    p_value = float(stats.chi2.sf(chi_square, dof))
    return KendallW(w, chi_square, dof, p_value)


# -- Kendall tau distances ---------------------------------------------------------------


def consensus_tier_index(n: int, consensus: WeakOrder) -> IntArray:
    """Tier number of each of ``n`` alternatives in ``consensus`` (missing ones tie last)."""
    out = np.full(n, len(consensus), dtype=np.int64)
    for t, tier in enumerate(consensus):
        out[list(tier)] = t
    return out


def kendall_tau_distances(profile: Profile, consensus: WeakOrder) -> FloatArray:
    """Each ballot's normalised Kendall tau distance to the weak order ``consensus``.

    For every pair of items the ballot and the consensus either agree (both
    prefer the same one, or both tie them: 0), disagree (opposite strict
    preferences: 1), or one ties what the other orders (1/2, the usual
    Kemeny-Snell convention for weak orders). The sum over all ``n (n - 1) / 2``
    pairs is divided by that number, so 0 means the voter's ballot is the
    consensus and 1 means it is its exact reverse. Returns an ``(m,)`` array in
    ballot order.
    """
    n, m = profile.n, profile.m
    pairs = n * (n - 1) / 2
    if m == 0:
        return np.zeros(0, dtype=np.float64)
    if pairs == 0:
        return np.zeros(m, dtype=np.float64)
    c = consensus_tier_index(n, consensus)
    # a narrower integer type keeps the (m, n) temporaries cheap; tier numbers are at most n
    t = profile.tier_index.astype(np.int32)
    total = np.zeros(m, dtype=np.int64)
    for a in range(n - 1):
        ballot_sign = np.sign(t[:, a : a + 1] - t[:, a + 1 :])
        consensus_sign = np.sign(c[a] - c[a + 1 :]).astype(np.int32)
        # |difference of signs| is 2 for an opposite pair and 1 for a half-tied one
        total += np.abs(ballot_sign - consensus_sign).sum(axis=1, dtype=np.int64)
    return total / (2.0 * pairs)


def mean_pairwise_distance(profile: Profile) -> float:
    """Weighted mean Kendall tau distance between two different voters, from ``pairwise``.

    No loop over voter pairs is needed. For a pair of items ``(a, b)`` let
    ``A = P[a, b]`` and ``B = P[b, a]`` be the weight of voters preferring
    each, and ``T = W - A - B`` the weight tying them. Over all ordered pairs
    of voters the disagreement on ``(a, b)`` adds up to ``2AB + AT + BT``
    (opposite voters count 1, a tie against a preference 1/2), which equals
    ``A (W - A) + B (W - B)``. Summing ``P (W - P)`` over all ordered item
    pairs therefore gives the total disagreement in ``O(n^2)``.

    It is divided by the number of item pairs and by the number of ordered
    pairs of distinct voters, ``W (W - 1)`` when weights count voters. So with
    whole-number weights the value is exactly the mean over all pairs of
    distinct (duplicated) ballots. When the total weight is below 2 (fewer
    than two voters' worth, e.g. a single organisation under "one
    organisation, one voice") the divisor is ``W**2 / 2``, the largest value
    the numerator can take, which keeps the result in ``[0, 1]``.
    """
    n = profile.n
    total = profile.total_weight
    if n < 2 or total <= 0:
        return math.nan
    p = profile.pairwise
    numerator = float((p * (total - p)).sum())  # the diagonal is 0 * W = 0
    voter_pairs = total * (total - 1.0) if total >= 2.0 else total * total / 2.0
    return numerator / (voter_pairs * n * (n - 1) / 2.0)


# -- pairwise support ---------------------------------------------------------------------


def pairwise_support(profile: Profile) -> tuple[FloatArray, FloatArray]:
    """Shares behind "x% prefers A over B", as two ``(n, n)`` matrices.

    ``overall[a, b]`` is the share of all weight that ranks ``a`` strictly above
    ``b`` (voters tying them, or leaving both unranked, count in the
    denominator). ``strict[a, b]`` is the share among the voters who do
    separate the two, so ``strict[a, b] + strict[b, a] == 1``; it is ``nan``
    when nobody separates them. Diagonals are ``nan``.
    """
    p = profile.pairwise
    total = profile.total_weight
    n = profile.n
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = p / total if total > 0 else np.full((n, n), math.nan)
        decided = p + p.T
        strict = np.where(decided > 0, p / np.where(decided > 0, decided, 1.0), math.nan)
    overall = np.array(overall, dtype=np.float64)
    np.fill_diagonal(overall, math.nan)
    np.fill_diagonal(strict, math.nan)
    return overall, strict


# -- quantiles -----------------------------------------------------------------------------


def _sorted_quantiles(
    values: FloatArray, weights: FloatArray, quantiles: Sequence[float]
) -> FloatArray:
    """Quantiles of rows of ``weights`` over the ascending ``values``; shape ``(rows, q)``.

    The rule is NumPy's ``averaged_inverted_cdf`` generalised to weights: the
    ``p``-quantile is the first value whose cumulative weight reaches ``p W``;
    when the cumulative weight lands exactly on ``p W`` it is averaged with
    the next value. For the median this is the familiar "middle value, or the
    mean of the two middle values". It equals NumPy's result on duplicated
    ballots for whole-number weights and, unlike interpolating rules based on
    ``W - 1``, does not change when all weights are scaled (which fractional
    "one organisation, one voice" weights need).
    """
    cum = np.cumsum(weights, axis=1)
    total = cum[:, -1:]
    tolerance = 1e-12 * np.maximum(total, 1.0)
    last = values.size - 1
    out = np.empty((weights.shape[0], len(quantiles)), dtype=np.float64)
    for k, q in enumerate(quantiles):
        target = q * total
        lower = np.minimum((cum < target - tolerance).sum(axis=1), last)
        upper = np.minimum((cum <= target + tolerance).sum(axis=1), last)
        on_boundary = np.abs(np.take_along_axis(cum, lower[:, None], axis=1) - target)[:, 0]
        averaged = (values[lower] + values[upper]) / 2.0
        out[:, k] = np.where(on_boundary <= tolerance[:, 0], averaged, values[lower])
    out[total[:, 0] <= 0, :] = math.nan
    return out


def weighted_quantiles(
    values: FloatArray, weights: FloatArray, quantiles: Sequence[float] = QUARTILES
) -> FloatArray:
    """Weighted quantiles of a 1-D sample (see ``_sorted_quantiles`` for the rule)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.full(len(quantiles), math.nan)
    order = np.argsort(values, kind="stable")
    w = np.asarray(weights, dtype=np.float64)[order][None, :]
    result: FloatArray = _sorted_quantiles(values[order], w, quantiles)[0]
    return result


# -- per item -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStatistics:
    """Per-item summaries, each an ``(n,)`` array indexed by alternative.

    * ``mean_rank``, ``median_rank``, ``q1_rank``, ``q3_rank`` and ``iqr``
      (``q3 - q1``): weighted summaries of the item's fractional ranks.
    * ``top_k_share``: the weighted share of voters who put it in their top
      ``top_k``. An item in a tier that straddles position ``top_k`` gets the
      fraction of the tier's places that fall inside the top ``top_k`` (the
      chance it would land there if the tie were broken at random); so on
      every ballot the credits add up to exactly ``min(top_k, n)``.
    * ``first_place``: the weight of voters ranking it first. A first tier of
      ``g`` items gives each ``1/g``, so the counts add up to the total weight.
    * ``polarisation``: the weighted variance of its rank divided by
      ``((n - 1) / 2) ** 2``, the largest variance possible (half the voters
      rank it first, half last). 0 means everyone puts it at the same place;
      1 means two opposite camps; ranks spread evenly give about 1/3.
    """

    mean_rank: FloatArray
    median_rank: FloatArray
    q1_rank: FloatArray
    q3_rank: FloatArray
    iqr: FloatArray
    top_k: int
    top_k_share: FloatArray
    first_place: FloatArray
    polarisation: FloatArray


def item_statistics(profile: Profile, top_k: int = 3) -> ItemStatistics:
    """Rank summaries per item, vectorised through a histogram of half-ranks.

    Fractional ranks are multiples of 1/2 between 1 and ``n``, so one weighted
    ``bincount`` gives each item's rank distribution as ``2n - 1`` bins; the
    quantiles, mean and variance are read off that ``(n, 2n - 1)`` table
    instead of sorting the ``(m, n)`` rank matrix.
    """
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    n, m = profile.n, profile.m
    weights = profile.weights
    total = float(weights.sum())
    positions = profile.positions
    bins = 2 * n - 1
    half_ranks = np.rint(2.0 * positions).astype(np.int64) - 2  # 0 .. 2n - 2
    flat = (np.arange(n, dtype=np.int64)[None, :] * bins + half_ranks).ravel()
    histogram: FloatArray = np.bincount(
        flat, weights=np.repeat(weights, n), minlength=n * bins
    ).astype(np.float64)
    histogram = histogram.reshape(n, bins)
    values = (np.arange(bins, dtype=np.float64) + 2.0) / 2.0
    quartiles = _sorted_quantiles(values, histogram, QUARTILES)

    size = profile.tier_sizes
    start = positions - (size + 1) / 2.0  # how many places come before the item's tier
    in_top = np.clip(top_k - start, 0, size) / np.maximum(size, 1)
    first = np.where(start == 0, 1.0 / np.maximum(size, 1), 0.0)

    if m == 0 or total <= 0:
        nan = np.full(n, math.nan)
        return ItemStatistics(nan, nan, nan, nan, nan, top_k, nan.copy(), np.zeros(n), nan.copy())
    mean = (histogram @ values) / total
    variance = (histogram @ (values * values)) / total - mean * mean
    variance = np.maximum(variance, 0.0)
    polarisation = variance / ((n - 1) / 2.0) ** 2 if n > 1 else np.zeros(n)
    return ItemStatistics(
        mean_rank=mean,
        median_rank=quartiles[:, 1],
        q1_rank=quartiles[:, 0],
        q3_rank=quartiles[:, 2],
        iqr=quartiles[:, 2] - quartiles[:, 0],
        top_k=top_k,
        top_k_share=(weights @ in_top) / total,
        first_place=weights @ first,
        polarisation=np.minimum(polarisation, 1.0),
    )


# -- everything at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Every agreement statistic of a profile (the bootstrap excluded).

    ``distances`` holds each ballot's normalised Kendall tau distance to the
    consensus passed to ``agreement`` (in ballot order), or is ``None`` when no
    consensus was given.
    """

    kendall: KendallW
    mean_pairwise_distance: float
    distances: FloatArray | None
    items: ItemStatistics
    support: FloatArray
    strict_support: FloatArray


def agreement(profile: Profile, consensus: WeakOrder | None = None, *, top_k: int = 3) -> Agreement:
    """Compute every agreement statistic in one call (they share the profile's caches)."""
    support, strict = pairwise_support(profile)
    return Agreement(
        kendall=kendall_w(profile),
        mean_pairwise_distance=mean_pairwise_distance(profile),
        distances=None if consensus is None else kendall_tau_distances(profile, consensus),
        items=item_statistics(profile, top_k),
        support=support,
        strict_support=strict,
    )
