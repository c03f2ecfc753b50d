"""The shape every aggregation method returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .profile import WeakOrder


@dataclass(frozen=True)
class MethodResult:
    """A consensus ranking with its scores and what is needed to explain it.

    ``ranking`` is a weak order (tiers, best first): alternatives the method
    cannot separate share a tier, they are never silently split.
    ``unique`` is False when the method has several optimal answers (Kemeny)
    and the reported one was picked by a documented tie-break rule.
    """

    method: str
    ranking: WeakOrder
    scores: Mapping[int, float]
    unique: bool = True
    details: Mapping[str, Any] = field(default_factory=dict)

    def position_of(self, alternative: int) -> int:
        """1-based position of the tier holding ``alternative`` (competition ranking)."""
        position = 1
        for tier in self.ranking:
            if alternative in tier:
                return position
            position += len(tier)
        raise KeyError(alternative)


def tiers_from_scores(
    scores: Mapping[int, float], *, higher_is_better: bool = True, tolerance: float = 1e-9
) -> WeakOrder:
    """Group alternatives with equal scores (within ``tolerance``) into tiers."""
    sign = -1.0 if higher_is_better else 1.0
    ordered = sorted(scores, key=lambda a: (sign * scores[a], a))
    tiers: list[list[int]] = []
    last: float | None = None
    for a in ordered:
        if last is not None and abs(scores[a] - last) <= tolerance:
            tiers[-1].append(a)
        else:
            tiers.append([a])
            last = scores[a]
    return tuple(tuple(sorted(t)) for t in tiers)


def flatten(ranking: Iterable[Iterable[int]]) -> list[int]:
    return [a for tier in ranking for a in tier]
