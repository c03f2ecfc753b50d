"""The facilitator's part of a benchmark, through the services: a session with one round
of the "waarden" catalogue, opened, results live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

CATALOGUE_LIST = "waarden"


@dataclass(frozen=True)
class OpenRound:
    code: str
    session_id: int
    round_id: int
    item_count: int
    #: the seeded partner organisations, for the phones to name
    partners: list[str]


def open_catalogue_round(
    database_url: str, secret: str, *, title: str, kind: str, items: int | None = None
) -> OpenRound:
    """``kind`` is a ``MeetingKind`` name (``"FESTIVAL"``, ``"NETWORK"``).

    The round ranks the "waarden" list; with ``items``, the first ``items`` items of all
    the catalogue's lists together, in the catalogue's order (37 in the demo catalogue).
    """
    from sqlalchemy import select

    from hhu_ranking import create_app
    from hhu_ranking.extensions import db
    from hhu_ranking.models import CatalogueList, MeetingKind, Organisation, User
    from hhu_ranking.services.rounds import add_round, open_round
    from hhu_ranking.services.sessions import create_session

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": secret})
    with app.app_context():
        facilitator = db.session.scalars(select(User)).first()
        catalogue = db.session.scalar(
            select(CatalogueList).where(CatalogueList.key == CATALOGUE_LIST)
        )
        assert facilitator is not None and catalogue is not None
        ranking_session = create_session(
            db.session,
            title=title,
            held_on=date.today(),
            kind=MeetingKind[kind],
            created_by=facilitator,
        )
        round_ = add_round(
            db.session,
            ranking_session,
            title=catalogue.title,
            items=_round_items(catalogue, items),
            results_live=True,
            catalogue_list_id=catalogue.id,
        )
        open_round(db.session, round_)
        db.session.commit()
        partners = list(db.session.scalars(select(Organisation.name).order_by(Organisation.id)))
        opened = OpenRound(
            ranking_session.join_code, ranking_session.id, round_.id, len(round_.items), partners
        )
        db.session.remove()
        db.engine.dispose()
    return opened


def _round_items(catalogue: Any, count: int | None) -> list[Any]:
    """The "waarden" list's items, or the first ``count`` of the whole catalogue's."""
    from sqlalchemy import select

    from hhu_ranking.extensions import db
    from hhu_ranking.models import CatalogueList
    from hhu_ranking.services.rounds import items_from_catalogue

    if count is None:
        return items_from_catalogue(catalogue)
    lists = db.session.scalars(select(CatalogueList).order_by(CatalogueList.id))
    every = [spec for listed in lists for spec in items_from_catalogue(listed)]
    if not 2 <= count <= len(every):
        raise SystemExit(f"--items: between 2 and {len(every)} (the catalogue's items)")
    return every[:count]
