"""Who thinks what: each pillar's and tier's Borda order beside the room's, above a privacy floor.

One breakdown for every place that shows it. The live result
(``results.compute_payload``) and a frozen outcome (:func:`outcome_breakdown`, from
its frozen ballots and weighting, so it is the same whenever it is re-rendered) both
call :func:`group_breakdown`, which runs ``aggregation.contrast.breakdown`` over the
same profile as the overall result. :func:`group_views` reads either for pages,
:func:`breakdown_document` for the JSON export and the API.

A group with fewer voters than the floor (``BREAKDOWN_MIN_VOTERS``, never below 3) is
left out everywhere, on the screen, the console, the outcome page, the exports and the
API: not its order, not its size. The floor is applied again when reading, since it
may have been raised after a result was computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..aggregation.profile import Profile
from ..labels import tier_label
from ..models import Outcome, Pillar
from ..places import competition_places
from .outcomes import WEIGHTING_ORGANISATION, weigh_by_organisation
from .profiles import document_profile, participant_groups
from .summaries import summarise

#: the breakdown's columns of ``profiles.participant_groups``, in that order
KINDS = ("pillar", "tier")


def breakdown_floor() -> int:
    """The fewest voters a group needs to be shown on its own (never fewer than 3)."""
    from flask import current_app

    from ..aggregation.contrast import MIN_GROUP

    return max(MIN_GROUP, int(current_app.config.get("BREAKDOWN_MIN_VOTERS", MIN_GROUP)))


def group_breakdown(
    profile: Profile,
    participant_ids: Sequence[int],
    groups: Mapping[int, tuple[str, str]],
    overall: Mapping[int, int],
) -> dict[str, list[dict[str, Any]]]:
    """Per kind, ``contrast.breakdown`` of ``profile`` (ballot i is ``participant_ids[i]``'s).

    ``groups``: participant id -> (pillar key, tier key) (``profiles.participant_groups``);
    ``overall``: the room's Borda place of every alternative. JSON-ready, alternatives
    numbered as in the profile.
    """
    from ..aggregation import contrast

    floor = breakdown_floor()
    return {
        kind: contrast.breakdown(
            profile,
            [(groups.get(p) or ("", ""))[column] or None for p in participant_ids],
            overall,
            min_voters=floor,
        )
        for column, kind in enumerate(KINDS)
    }


def outcome_breakdown(db: Session, outcome: Outcome) -> dict[str, list[dict[str, Any]]] | None:
    """The breakdown of a frozen outcome, from its frozen ballots and weighting.

    None without ballots or without a Borda order (the room's order the groups are set
    against). Only who is in which group is read from the participants.
    """
    data = outcome.data
    borda = ((data.get("analysis") or {}).get("methods") or {}).get("borda")
    ballots = outcome.ballots
    if not ballots or borda is None:
        return None
    profile = document_profile(data["items"], ballots)
    parameters = data.get("parameters") or {}
    if parameters.get("weighting") == WEIGHTING_ORGANISATION:
        profile = weigh_by_organisation(profile, ballots, parameters.get("organisations") or {})
    ids = [int(b["participant_id"]) for b in ballots]
    return group_breakdown(
        profile, ids, participant_groups(db, ids), competition_places(borda["ranking"])
    )


@dataclass(frozen=True)
class GroupView:
    """One pillar or tier with enough voters, and where it differs most from the room."""

    kind: str
    #: ``pillar:<key>`` or ``tier:<tier>``
    key: str
    name: str
    voters: int
    #: the group's Borda place of every item, in the order the page lists them
    places: list[int]
    #: the item whose place differs most from the room's, its places and the gap
    item: str
    place: int
    overall: int
    gap: int
    #: that item's index in ``places`` (None when it is not listed)
    column: int | None = None


def group_name(kind: str, key: str, pillars: Mapping[str, str]) -> str:
    """A group's name in the request's language (``pillars``: :func:`pillar_names`)."""
    name = key.partition(":")[2]
    if kind == "pillar":
        return pillars.get(name, name)
    return tier_label(name)


def group_views(
    breakdown: Mapping[str, Sequence[Mapping[str, Any]]] | None,
    titles: Sequence[str],
    order: Sequence[int],
    *,
    floor: int,
    pillars: Mapping[str, str],
) -> list[GroupView]:
    """The groups of a breakdown with at least ``floor`` voters, largest divergence first.

    ``titles[a]`` is alternative ``a``'s title; ``order`` the alternatives in the order
    the page lists them (each group's ``places`` follow it).
    """
    out: list[GroupView] = []
    for kind, groups in (breakdown or {}).items():
        for group in groups:
            if int(group["voters"]) < max(3, floor):
                continue
            places = {int(a): int(p) for a, p in group["places"].items()}
            d = group["divergence"]
            item = int(d["id"])
            out.append(
                GroupView(
                    kind,
                    str(group["group"]),
                    group_name(kind, str(group["group"]), pillars),
                    int(group["voters"]),
                    [places.get(a, 0) for a in order],
                    titles[item],
                    int(d["place"] or 0),
                    int(d["overall"] or 0),
                    int(d["gap"]),
                    list(order).index(item) if item in order else None,
                )
            )
    out.sort(key=lambda g: (-g.gap, g.kind, g.name))
    return out


def pillar_names(db: Session) -> dict[str, str]:
    """Pillar key -> its name in the request's language."""
    from flask_babel import get_locale

    english = str(get_locale() or "nl").startswith("en")
    return {
        key: (en if english else nl)
        for key, nl, en in db.execute(select(Pillar.key, Pillar.name_nl, Pillar.name_en))
    }


@dataclass(frozen=True)
class OutcomeBreakdown:
    """What the outcome page and the report show: the room's Borda order and the groups'."""

    floor: int
    #: (title, the room's Borda place) per item, in the room's Borda order
    items: list[tuple[str, int | None]]
    groups: list[GroupView]


def _outcome_order(outcome: Outcome) -> tuple[list[int], list[str]]:
    """The outcome's alternatives in the order its pages list them, and every title."""
    data = outcome.data
    index = {int(item["id"]): a for a, item in enumerate(data["items"])}
    order = [index[item.item_id] for item in summarise(outcome).items]
    return order, [str(item["title"]) for item in data["items"]]


def outcome_groups(db: Session, outcome: Outcome) -> OutcomeBreakdown | None:
    """The outcome's breakdown for its page and report, None without ballots."""
    breakdown = outcome_breakdown(db, outcome)
    if breakdown is None:
        return None
    data = outcome.data
    order, titles = _outcome_order(outcome)
    overall = competition_places(data["analysis"]["methods"]["borda"]["ranking"])
    # every column is a Borda order: rows follow the room's, ties in the outcome's order
    order.sort(key=lambda a: overall.get(a, len(order) + 1))
    floor = breakdown_floor()
    return OutcomeBreakdown(
        floor,
        [(titles[a], overall.get(a)) for a in order],
        group_views(breakdown, titles, order, floor=floor, pillars=pillar_names(db)),
    )


def breakdown_document(db: Session, outcome: Outcome) -> dict[str, Any] | None:
    """The outcome's breakdown as JSON (exports, API), keyed by round item id."""
    breakdown = outcome_breakdown(db, outcome)
    if breakdown is None:
        return None
    data = outcome.data
    item_ids = [int(item["id"]) for item in data["items"]]
    overall = competition_places(data["analysis"]["methods"]["borda"]["ranking"])
    floor = breakdown_floor()
    pillars = pillar_names(db)
    groups: list[dict[str, Any]] = []
    for kind in KINDS:
        for group in breakdown.get(kind, []):
            if int(group["voters"]) < floor:
                continue
            d = group["divergence"]
            groups.append(
                {
                    "kind": kind,
                    "key": str(group["group"]).partition(":")[2],
                    "name": group_name(kind, str(group["group"]), pillars),
                    "voters": int(group["voters"]),
                    "places": {str(item_ids[int(a)]): int(p) for a, p in group["places"].items()},
                    "divergence": {
                        "item_id": item_ids[int(d["id"])],
                        "place": d["place"],
                        "overall": d["overall"],
                        "gap": int(d["gap"]),
                    },
                }
            )
    groups.sort(key=lambda g: (-g["divergence"]["gap"], g["kind"], g["name"]))
    return {
        "method": "borda",
        "min_voters": floor,
        "overall": {str(item_ids[a]): p for a, p in sorted(overall.items())},
        "groups": groups,
    }
