"""What the big screen says about a report beyond the two rankings: plain, derived data.

Everything here reads a report of :func:`report.analyse` (the JSON-ready
dictionary) plus, for :func:`place_spread`, the profile it came from, and
returns small JSON-ready structures. The web app calls it once per version of a
round's ballots, inside its cached live result, never per viewer.

* :func:`disagreements`: the pairs two methods order the other way round,
  with the pairwise majority that decides each ("62% puts A above B").
* :func:`most_polarised`: the items the room is split on most.
* :func:`top_certainty`: whether the bootstrap says the top is settled.
* :func:`place_spread`: per item, the share of voters that put it on each place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .profile import Profile

__all__ = [
    "MIN_GROUP",
    "POLARISED",
    "breakdown",
    "SETTLED",
    "LIKELY",
    "disagreements",
    "most_polarised",
    "place_spread",
    "top_certainty",
]

#: the fewest voters a group may have to be shown on its own: below, a ballot could be read off it
MIN_GROUP = 3
#: an item counts as polarised from this polarisation on (0 = one mind, 1 = two camps)
POLARISED = 0.4
#: the bootstrap share with which the first place (and the top 3) must hold to be "settled"
SETTLED = 0.95
#: ... and to be "most likely settled"
LIKELY = 0.75


def _positions(report: Mapping[str, Any], method: str) -> dict[int, int]:
    block = report["methods"][method]
    return {int(a): int(p) for a, p in block["positions"].items()}


def disagreements(
    report: Mapping[str, Any], first: str = "borda", second: str = "kemeny", limit: int = 3
) -> list[dict[str, Any]]:
    """Pairs ``first`` and ``second`` order oppositely, the decisive ones first.

    Each entry: ``{"above", "below", "support", "against"}`` with ``above``
    the item ``second`` (the pairwise method) puts higher, ``support`` the
    share of the voting weight that puts it above ``below`` and ``against``
    the share that puts ``below`` above it (the rest ties them or leaves both
    unranked). Sorted by the better of the pair's places under ``second``.
    """
    if first not in report["methods"] or second not in report["methods"]:
        return []
    a_places = _positions(report, first)
    b_places = _positions(report, second)
    support = report["pairwise"]["support"]
    found: list[tuple[int, int, dict[str, Any]]] = []
    for x, bx in b_places.items():
        for y, by in b_places.items():
            if bx < by and a_places[x] > a_places[y]:
                found.append(
                    (
                        bx,
                        by,
                        {
                            "above": x,
                            "below": y,
                            "support": support[x][y],
                            "against": support[y][x],
                        },
                    )
                )
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry for _x, _y, entry in found[:limit]]


def most_polarised(report: Mapping[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """Up to ``limit`` items with polarisation of at least :data:`POLARISED`, most first."""
    items = [
        {"id": int(item["id"]), "polarisation": float(item["polarisation"])}
        for item in report["items"]
        if item.get("polarisation") is not None and item["polarisation"] >= POLARISED
    ]
    items.sort(key=lambda item: (-item["polarisation"], item["id"]))
    return items[:limit]


def top_certainty(report: Mapping[str, Any]) -> str | None:
    """``"settled"``, ``"likely"`` or ``"open"``: how firmly the first place holds.

    From the bootstrap: the item on the first place keeps it in at least
    :data:`SETTLED` of the resamples (and every item of the top 3 stays in the
    top 3 as often) for "settled", :data:`LIKELY` for "likely". None without a
    bootstrap.
    """
    boot = report.get("bootstrap")
    if not boot:
        return None
    first = [item for item in boot["items"] if item["place"] == 1]
    top = [item for item in boot["items"] if item["place"] <= boot["top_k"]]
    if not first:
        return None
    keeps = min(float(item["keeps_place"]) for item in first)
    stays = min(float(item["in_top_k"]) for item in top)
    if keeps >= SETTLED and stays >= SETTLED:
        return "settled"
    if keeps >= LIKELY:
        return "likely"
    return "open"


def place_spread(profile: Profile) -> list[list[float]]:
    """``spread[a][p]``: share of the voting weight that put item ``a`` on place ``p + 1``.

    Fractional positions (ties, unranked items) are spread evenly over the
    places they span, so every row sums to 1 (0 rows without ballots).
    """
    n = profile.n
    out = np.zeros((n, n))
    if profile.m == 0 or profile.total_weight <= 0:
        return [[float(x) for x in row] for row in out]
    # linear in the ballots: merging identical ones first (a sort) would cost more
    merged = profile
    t = merged.tier_index
    if merged._all_strict_complete:  # the common case: every place is one item's
        cells = (np.arange(n)[None, :] * n + t).ravel()
        weights = np.repeat(merged.weights, n)
        counted = np.bincount(cells, weights=weights, minlength=n * n).reshape(n, n)
        shares = counted / merged.total_weight
        return [[float(x) for x in row] for row in shares]
    counts, before = merged._tier_counts
    start = np.take_along_axis(before, t, axis=1)  # (u, n) first place of the item's tier
    size = np.take_along_axis(counts, t, axis=1)  # (u, n) places that tier spans
    share = merged.weights[:, None] / size  # (u, n) weight per spanned place
    alternative = np.broadcast_to(np.arange(n), t.shape)
    for offset in range(int(size.max())):
        spans = offset < size
        cells = alternative[spans] * n + (start + offset)[spans]
        out += np.bincount(cells, weights=share[spans], minlength=n * n).reshape(n, n)
    out /= merged.total_weight
    return [[float(x) for x in row] for row in out]


def breakdown(
    profile: Profile,
    groups: Sequence[str | None],
    overall: Mapping[int, int],
    *,
    min_voters: int = MIN_GROUP,
) -> list[dict[str, Any]]:
    """Each group's Borda order beside the overall one, for groups of ``min_voters`` or more.

    ``groups[i]`` names the group of ``profile.ballots[i]`` (None: in no group);
    ``overall`` is the overall place of every item. A group with fewer voters
    than ``min_voters`` (never fewer than :data:`MIN_GROUP`) is left out
    entirely: not its order, not its size. Per group: ``{"group", "voters",
    "places": {item: place}, "divergence": {"id", "place", "overall", "gap"}}``
    with the item whose place differs most from the overall one; groups sorted
    by that gap, largest first.
    """
    from .bootstrap import competition_positions
    from .borda import borda_points

    floor = max(MIN_GROUP, int(min_voters))
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        if group is not None:
            members.setdefault(group, []).append(index)
    out: list[dict[str, Any]] = []
    # one (m, n) matrix of every ballot's Borda points; a group's scores are a row sum of it
    shown = {g: i for g, i in members.items() if len(i) >= floor}
    points = borda_points(profile) if shown else np.zeros((0, profile.n))
    weights = profile.weights
    for group, indexes in sorted(shown.items()):
        rows = np.asarray(indexes)
        positions = competition_positions(weights[rows] @ points[rows])
        places = {a: int(positions[a]) for a in range(profile.n)}
        gaps = sorted(
            ((abs(places[a] - overall[a]), -overall[a], a) for a in places if a in overall),
            reverse=True,
        )
        gap, _overall, item = gaps[0] if gaps else (0, 0, 0)
        out.append(
            {
                "group": group,
                "voters": len(indexes),
                "places": {str(a): p for a, p in sorted(places.items())},
                "divergence": {
                    "id": item,
                    "place": places.get(item),
                    "overall": overall.get(item),
                    "gap": gap,
                },
            }
        )
    out.sort(key=lambda g: (-g["divergence"]["gap"], g["group"]))
    return out
