"""Loading the HHU catalogue from the package's data file. Idempotent: keys decide."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Base,
    CatalogueItem,
    CatalogueList,
    Coalition,
    FocusArea,
    Organisation,
    Phase,
    Pillar,
    Tier,
)


def load_catalogue_data() -> dict[str, Any]:
    text = resources.files("hhu_ranking.data").joinpath("catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


Row = TypeVar("Row", bound=Base)


def _found_or_added(
    session: Session, model: type[Row], added: dict[str, int], counter: str, **key: Any
) -> Row:
    """The row with ``key``, or a new one with it added to the session and counted in ``added``."""
    row = session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key)
        session.add(row)
        added[counter] += 1
    return row


def seed_catalogue(session: Session, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Insert what is missing and update what changed; never duplicates. Returns counts added."""
    data = data or load_catalogue_data()
    added = {"pillars": 0, "organisations": 0, "phases": 0, "coalitions": 0, "lists": 0}

    pillars: dict[str, Pillar] = {}
    for position, spec in enumerate(data["pillars"]):
        pillar = _found_or_added(session, Pillar, added, "pillars", key=spec["key"])
        pillar.name_nl, pillar.name_en, pillar.position = spec["name_nl"], spec["name_en"], position
        pillars[spec["key"]] = pillar

    for tier_name, entries in data["organisations"].items():
        for name, pillar_keys in entries:
            organisation = _found_or_added(session, Organisation, added, "organisations", name=name)
            organisation.tier = Tier(tier_name)
            organisation.pillars = [pillars[k] for k in pillar_keys]

    for spec in data["phases"]:
        phase = _found_or_added(session, Phase, added, "phases", key=spec["key"])
        phase.name, phase.start_year, phase.end_year = (
            spec["name"],
            spec["start_year"],
            spec["end_year"],
        )

    for spec in data["coalitions"]:
        coalition = _found_or_added(session, Coalition, added, "coalitions", key=spec["key"])
        coalition.name, coalition.description = spec["name"], spec["description"]
        existing = {f.name: f for f in coalition.focus_areas}
        for position, (name, explanation) in enumerate(spec["focus_areas"]):
            focus = existing.get(name)
            if focus is None:
                focus = FocusArea(name=name)
                coalition.focus_areas.append(focus)
            focus.explanation, focus.position = explanation, position

    for position, spec in enumerate(data["lists"]):
        catalogue_list = _found_or_added(session, CatalogueList, added, "lists", key=spec["key"])
        catalogue_list.title = spec["title"]
        catalogue_list.description = spec["description"]
        catalogue_list.position = position
        items = {i.key: i for i in catalogue_list.items}
        for item_position, (key, title, explanation) in enumerate(spec["items"]):
            item = items.get(key)
            if item is None:
                item = CatalogueItem(key=key)
                catalogue_list.items.append(item)
            item.title, item.explanation, item.position = title, explanation, item_position
    session.flush()
    return added
