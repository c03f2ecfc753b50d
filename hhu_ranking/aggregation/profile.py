"""Preference profiles: weighted weak orders over integer-numbered alternatives.

Alternatives are numbered ``0..n-1``; their names live in ``Profile.alternatives``
so that the maths only ever sees integers. A ballot is a weak order given as
tiers, best first. Alternatives a ballot leaves out are *unranked*: they tie
with each other below every ranked alternative. That one convention covers
full rankings, top-k ballots and ties.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np
import numpy.typing as npt

Tier = tuple[int, ...]
WeakOrder = tuple[Tier, ...]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class ProfileError(ValueError):
    """A ballot or profile that is not a valid weak order over the alternatives."""


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's (or one group of identical voters') weak order.

    ``tiers`` lists tiers best first; each tier is sorted ascending so that equal
    ballots compare equal. ``weight`` is how many voters it counts for.
    """

    tiers: WeakOrder
    weight: float = 1.0

    @staticmethod
    def of(order: Sequence[int | Sequence[int]], weight: float = 1.0) -> Ballot:
        """Build a ballot from ``[0, [2, 3], 1]``-style input (a bare int is a tier of one)."""
        tiers = tuple(
            tuple(sorted(entry)) if isinstance(entry, Sequence) else (int(entry),)
            for entry in order
        )
        return Ballot(tuple(t for t in tiers if t), float(weight))

    @property
    def ranked(self) -> frozenset[int]:
        return frozenset(a for tier in self.tiers for a in tier)

    def is_strict(self) -> bool:
        return all(len(tier) == 1 for tier in self.tiers)


def _check_weights(ballots: Sequence[Ballot]) -> None:
    for number, ballot in enumerate(ballots, start=1):
        if not (math.isfinite(ballot.weight) and ballot.weight > 0):
            raise ProfileError(f"ballot {number}: weight must be a positive number")


class Profile:
    """An immutable, validated collection of weighted ballots."""

    __slots__ = ("alternatives", "ballots", "__dict__")

    def __init__(self, alternatives: Sequence[str], ballots: Iterable[Ballot]) -> None:
        self.alternatives: tuple[str, ...] = tuple(alternatives)
        if len(self.alternatives) < 1:
            raise ProfileError("a profile needs at least one alternative")
        self.ballots: tuple[Ballot, ...] = tuple(ballots)
        n = len(self.alternatives)
        # one ballot object given many times (a hall's equal orders) is checked once
        checked: set[int] = set()
        for number, ballot in enumerate(self.ballots, start=1):
            if id(ballot) in checked:
                continue
            # the common case at C speed (a live result checks thousands of ballots a second);
            # the loop below finds and names what is wrong
            ranked = list(chain.from_iterable(ballot.tiers))
            distinct = all(ballot.tiers) and len(set(ranked)) == len(ranked)
            if distinct and (not ranked or (min(ranked) >= 0 and max(ranked) < n)):
                checked.add(id(ballot))
                continue
            seen: set[int] = set()
            for tier in ballot.tiers:
                if not tier:
                    raise ProfileError(f"ballot {number}: empty tier")
                for a in tier:
                    if not 0 <= a < n:
                        raise ProfileError(f"ballot {number}: unknown alternative {a}")
                    if a in seen:
                        raise ProfileError(f"ballot {number}: alternative {a} appears twice")
                    seen.add(a)
        _check_weights(self.ballots)

    def _reweighed(self, ballots: Iterable[Ballot]) -> Profile:
        """A profile of this one's orders with other weights: only the weights need checking
        (a live result does this with thousands of ballots every second)."""
        profile = Profile.__new__(Profile)
        profile.alternatives = self.alternatives
        profile.ballots = tuple(ballots)
        _check_weights(profile.ballots)
        return profile

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_orders(
        cls,
        alternatives: Sequence[str],
        orders: Sequence[Sequence[int | Sequence[int]]],
        weights: Sequence[float] | None = None,
    ) -> Profile:
        """Profile from plain orders such as ``[[0, 1, 2], [2, [0, 1]]]``."""
        if weights is not None and len(weights) != len(orders):
            raise ProfileError("one weight per ballot is needed")
        ws = weights if weights is not None else [1.0] * len(orders)
        return cls(alternatives, (Ballot.of(o, w) for o, w in zip(orders, ws, strict=True)))

    def with_weights(self, weights: Sequence[float]) -> Profile:
        if len(weights) != len(self.ballots):
            raise ProfileError("one weight per ballot is needed")
        return self._reweighed(
            Ballot(b.tiers, float(w)) for b, w in zip(self.ballots, weights, strict=True)
        )

    def compressed(self) -> Profile:
        """Identical ballots merged (weights summed), in a deterministic order."""
        totals: dict[WeakOrder, float] = {}
        for ballot in self.ballots:
            totals[ballot.tiers] = totals.get(ballot.tiers, 0.0) + ballot.weight
        return self._reweighed(Ballot(t, totals[t]) for t in sorted(totals))

    # -- shape ----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of alternatives."""
        return len(self.alternatives)

    @property
    def m(self) -> int:
        """Number of (possibly grouped) ballots."""
        return len(self.ballots)

    @cached_property
    def weights(self) -> FloatArray:
        return np.array([b.weight for b in self.ballots], dtype=np.float64)

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())

    def kind(self) -> str:
        """The most restrictive PrefLib type: ``soc``, ``soi``, ``toc`` or ``toi``."""
        complete = all(len(b.ranked) == self.n for b in self.ballots)
        # a complete ballot whose last tier holds one alternative is still strict
        strict = all(b.is_strict() for b in self.ballots)
        if strict:
            return "soc" if complete else "soi"
        return "toc" if complete else "toi"

    # -- matrices (vectorised; every statistic builds on these) ---------------
    @cached_property
    def tier_index(self) -> IntArray:
        """``(m, n)`` tier number of each alternative per ballot; unranked = number of tiers.

        Built from flat arrays (one pass of C-level iteration over the tiers, then one
        scatter) rather than a NumPy assignment per tier: at ``m = 5000`` ballots the
        per-tier loop alone cost more than every statistic built on top of it.
        """
        n, m = self.n, self.m
        ballots = self.ballots
        ntiers = np.fromiter((len(b.tiers) for b in ballots), dtype=np.int64, count=m)
        alts = np.fromiter(
            chain.from_iterable(chain.from_iterable(b.tiers for b in ballots)), dtype=np.int64
        )
        total_tiers = int(ntiers.sum())
        out = np.repeat(ntiers, n).reshape(m, n)
        tier_row = np.repeat(np.arange(m, dtype=np.int64), ntiers)
        tier_k = np.arange(total_tiers, dtype=np.int64) - np.repeat(
            np.cumsum(ntiers) - ntiers, ntiers
        )
        if alts.size != total_tiers:  # some tier holds several alternatives
            sizes = np.fromiter(
                (len(t) for b in ballots for t in b.tiers), dtype=np.int64, count=total_tiers
            )
            tier_row = np.repeat(tier_row, sizes)
            tier_k = np.repeat(tier_k, sizes)
        out[tier_row, alts] = tier_k
        return out

    @cached_property
    def _all_strict_complete(self) -> bool:
        """Every ballot is a full strict order (``n`` tiers of one), the common case.

        Positions are then just tier numbers plus one, which skips the tie
        bookkeeping below.
        """
        n = self.n
        return all(len(b.tiers) == n for b in self.ballots)

    @cached_property
    def tier_sizes(self) -> IntArray:
        """``(m, n)`` size of the tier (or unranked group) holding each alternative."""
        if self._all_strict_complete:
            return np.ones((self.m, self.n), dtype=np.int64)
        counts, _ = self._tier_counts
        return np.take_along_axis(counts, self.tier_index, axis=1)

    @cached_property
    def _tier_counts(self) -> tuple[IntArray, IntArray]:
        """Per ballot: how many alternatives each tier holds, and how many come before it.

        Shape ``(m, n + 1)`` each, indexed by tier number (the unranked group included).
        """
        n, m = self.n, self.m
        t = self.tier_index
        flat = (np.arange(m, dtype=np.int64)[:, None] * (n + 1) + t).ravel()
        counts = np.bincount(flat, minlength=m * (n + 1)).reshape(m, n + 1)
        before = np.cumsum(counts, axis=1) - counts
        return counts, before

    @cached_property
    def positions(self) -> FloatArray:
        """``(m, n)`` rank of each alternative per ballot, 1 = best.

        Alternatives sharing a tier (or left unranked) get the mean of the
        positions they span, the usual "fractional ranking" for ties.
        """
        t = self.tier_index
        if self._all_strict_complete:
            return (t + 1).astype(np.float64)
        counts, before = self._tier_counts
        start = np.take_along_axis(before, t, axis=1)
        size = np.take_along_axis(counts, t, axis=1)
        return start + (size + 1) / 2.0

    @cached_property
    def pairwise(self) -> FloatArray:
        """``P[i, j]`` = total weight of ballots that rank ``i`` strictly above ``j``."""
        t = self.tier_index
        w = self.weights
        n = self.n
        out = np.zeros((n, n), dtype=np.float64)
        # one (m, n) comparison per column keeps memory at O(m n), not O(m n^2)
        for j in range(n):
            better = t < t[:, j : j + 1]
            out[:, j] = w @ better
        return out

    @cached_property
    def margins(self) -> FloatArray:
        """``M[i, j] = P[i, j] - P[j, i]``: positive when a majority prefers ``i``."""
        p = self.pairwise
        return p - p.T

    def name(self, alternative: int) -> str:
        return self.alternatives[alternative]
