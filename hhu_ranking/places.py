"""The one numbering rule for places, everywhere: competition ranking ("1, 1, 3").

Items that share a place get the best place of their tier and the next item
skips the places they used, so the number says how many items are above it
plus one: the screen, the outcome page, the report and the exports (where it
stays a number) all count the same way. Where a place is shared, pages show it
as ``1=`` (:func:`place_label`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def competition_places(ranking: Iterable[Sequence[int]]) -> dict[int, int]:
    """Places from tiers: ``[[a], [b, c], [d]]`` -> a 1, b 2, c 2, d 4."""
    return {int(member): place for member, place, _tied in numbered(ranking)}


def numbered(ranking: Iterable[Sequence[T]]) -> list[tuple[T, int, bool]]:
    """Every member of the tiers with its place and whether it shares that place, best first."""
    out: list[tuple[T, int, bool]] = []
    place = 1
    for tier in ranking:
        for member in tier:
            out.append((member, place, len(tier) > 1))
        place += len(tier)
    return out


def place_label(place: int | None, tied: bool = False) -> str:
    """How a page writes a place: ``3``, or ``3=`` when another item shares it."""
    if place is None:
        return "–"
    return f"{place}=" if tied else str(place)
