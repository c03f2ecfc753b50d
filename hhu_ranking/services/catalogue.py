"""Loading the HHU catalogue from the package's data file. Idempotent: keys decide."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
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


def _by(session: Session, model: type, **filters: Any) -> Any:
    return session.scalar(select(model).filter_by(**filters))


def seed_catalogue(session: Session, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Insert what is missing and update what changed; never duplicates. Returns counts added."""
    data = data or load_catalogue_data()
    added = {"pillars": 0, "organisations": 0, "phases": 0, "coalitions": 0, "lists": 0}

    pillars: dict[str, Pillar] = {}
    for position, spec in enumerate(data["pillars"]):
        pillar = _by(session, Pillar, key=spec["key"])
        if pillar is None:
            pillar = Pillar(key=spec["key"])
            session.add(pillar)
            added["pillars"] += 1
        pillar.name_nl, pillar.name_en, pillar.position = spec["name_nl"], spec["name_en"], position
        pillars[spec["key"]] = pillar

    for tier_name, entries in data["organisations"].items():
        for name, pillar_keys in entries:
            organisation = _by(session, Organisation, name=name)
            if organisation is None:
                organisation = Organisation(name=name, tier=Tier(tier_name))
                session.add(organisation)
                added["organisations"] += 1
            organisation.tier = Tier(tier_name)
            organisation.pillars = [pillars[k] for k in pillar_keys]

    for spec in data["phases"]:
        phase = _by(session, Phase, key=spec["key"])
        if phase is None:
            phase = Phase(key=spec["key"])
            session.add(phase)
            added["phases"] += 1
        phase.name, phase.start_year, phase.end_year = (
            spec["name"],
            spec["start_year"],
            spec["end_year"],
        )

    for spec in data["coalitions"]:
        coalition = _by(session, Coalition, key=spec["key"])
        if coalition is None:
            coalition = Coalition(key=spec["key"], name=spec["name"])
            session.add(coalition)
            added["coalitions"] += 1
        coalition.name, coalition.description = spec["name"], spec["description"]
        existing = {f.name: f for f in coalition.focus_areas}
        for position, (name, explanation) in enumerate(spec["focus_areas"]):
            focus = existing.get(name)
            if focus is None:
                focus = FocusArea(name=name)
                coalition.focus_areas.append(focus)
            focus.explanation, focus.position = explanation, position

    for position, spec in enumerate(data["lists"]):
        catalogue_list = _by(session, CatalogueList, key=spec["key"])
        if catalogue_list is None:
            catalogue_list = CatalogueList(key=spec["key"])
            session.add(catalogue_list)
            added["lists"] += 1
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
