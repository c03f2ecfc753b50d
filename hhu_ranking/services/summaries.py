"""The read model of a frozen outcome: its ranked items, agreement and every method's order.

``summarise`` turns an ``Outcome``'s stored result into what the outcome
pages, the agenda, the history and the exports show; ``outcome_as_dict`` is
the outcome as one JSON-ready document. Nothing here computes or stores a
result (see ``services.outcomes``) or checks one (``services.verification``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import Outcome
from ..places import competition_places, place_label
from .outcomes import METHODS


def positions(ranking: Sequence[Sequence[int]]) -> dict[int, int]:
    """Competition ranking from tiers (the one rule, :mod:`hhu_ranking.places`)."""
    return competition_places(ranking)


def _shared_places(places: dict[int, int]) -> set[int]:
    seen: set[int] = set()
    shared: set[int] = set()
    for place in places.values():
        (shared if place in seen else seen).add(place)
    return shared


@dataclass(frozen=True)
class RankedItem:
    """One item of an outcome as pages show it."""

    item_id: int
    title: str
    explanation: str
    catalogue_item_id: int | None
    #: place under the primary method (1 = best; ties share), None without ballots
    rank: int | None
    #: place per method
    places: dict[str, int]
    #: score per method (None where the method has no score for it)
    scores: dict[str, float | None]
    #: whether it shares its place with another item under the primary method
    tied: bool
    stats: dict[str, Any]
    #: the methods under which it shares its place with another item
    tied_in: frozenset[str] = frozenset()

    def place(self, method: str) -> str:
        """Its place under ``method`` as pages write it (``3``, ``3=`` or ``–``)."""
        return place_label(self.places.get(method), method in self.tied_in)

    @property
    def rank_label(self) -> str:
        """Its place under the primary method as pages write it."""
        return place_label(self.rank, self.tied)


@dataclass(frozen=True)
class OutcomeSummary:
    """An outcome, read into the shape pages and exports use."""

    outcome_id: int
    round_id: int
    version_number: int
    ballot_count: int
    primary_method: str
    methods: tuple[str, ...]
    items: tuple[RankedItem, ...]
    kendall_w: float | None
    p_value: float | None
    mean_pairwise_tau: float | None
    unique: dict[str, bool] = field(default_factory=dict)

    def item(self, item_id: int) -> RankedItem | None:
        for ranked in self.items:
            if ranked.item_id == item_id:
                return ranked
        return None


def summarise(outcome: Outcome) -> OutcomeSummary:
    """Items ordered by the primary method's ranking, with every method's place and score."""
    data = outcome.data
    methods = data.get("methods") or {}
    places = {m: positions(v["ranking"]) for m, v in methods.items()}
    primary = outcome.primary_method
    primary_places = places.get(primary, {})
    shared = {m: _shared_places(p) for m, p in places.items()}
    ranked: list[RankedItem] = []
    for item in data["items"]:
        item_id = int(item["id"])
        rank = primary_places.get(item_id)
        ranked.append(
            RankedItem(
                item_id=item_id,
                title=item["title"],
                explanation=item.get("explanation", ""),
                catalogue_item_id=item.get("catalogue_item_id"),
                rank=rank,
                places={m: p[item_id] for m, p in places.items() if item_id in p},
                scores={m: (v.get("scores") or {}).get(str(item_id)) for m, v in methods.items()},
                tied=rank is not None and rank in shared.get(primary, set()),
                stats=(data.get("item_stats") or {}).get(str(item_id), {}),
                tied_in=frozenset(
                    m for m, p in places.items() if item_id in p and p[item_id] in shared[m]
                ),
            )
        )
    order = {item.item_id: i for i, item in enumerate(ranked)}
    ranked.sort(key=lambda r: (r.rank if r.rank is not None else 10**6, order[r.item_id]))
    agreement = data.get("agreement") or {}
    shown = tuple(m for m in METHODS if m in methods) + tuple(
        m for m in methods if m not in METHODS
    )
    return OutcomeSummary(
        outcome_id=outcome.id,
        round_id=outcome.round_id,
        version_number=outcome.version_number,
        ballot_count=outcome.ballot_count,
        primary_method=primary,
        methods=shown,
        items=tuple(ranked),
        kendall_w=agreement.get("kendall_w"),
        p_value=agreement.get("p_value"),
        mean_pairwise_tau=agreement.get("mean_pairwise_tau"),
        unique={m: bool(v.get("unique", True)) for m, v in methods.items()},
    )


def outcome_as_dict(outcome: Outcome) -> dict[str, Any]:
    """The frozen outcome as one JSON-ready document (for exports and the API).

    ``result`` is the stored result document verbatim; ``ballots`` the
    canonical ballots (participant ids are internal numbers, never tokens).
    """
    round_ = outcome.round
    return {
        "outcome_id": outcome.id,
        "round": {
            "id": round_.id,
            "title": round_.title,
            "mode": round_.mode.value,
            "top_k": round_.top_k,
        },
        "session": {
            "id": round_.session.id,
            "title": round_.session.title,
            "held_on": round_.session.held_on.isoformat(),
        },
        "version_number": outcome.version_number,
        "frozen_at": outcome.frozen_at.isoformat(),
        "ballot_count": outcome.ballot_count,
        "weighting": outcome.weighting,
        "primary_method": outcome.primary_method,
        "aggregation_version": outcome.aggregation_version,
        "ballots_digest": outcome.ballots_digest,
        "ballots": outcome.ballots,
        "result": outcome.data,
    }
