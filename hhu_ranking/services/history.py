"""History across sessions: an item's rank over time, and two outcomes side by side.

An item is followed across sessions through ``RoundItem.catalogue_item_id``
(rounds started from a ready-made ballot keep that link). For each round that
ranked it, the newest outcome of that round gives one point: its place under
the outcome's primary method, out of how many items.

The chart is plain SVG computed here and drawn by a template
(``outcomes/_rank_chart.html``): no JavaScript, with a title, a description
and a data table beside it for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import CatalogueItem, Outcome, RankingSession, Round, RoundItem
from .summaries import positions, summarise


@dataclass(frozen=True)
class HistoryPoint:
    outcome_id: int
    round_id: int
    session_title: str
    round_title: str
    held_on: date
    version_number: int
    title: str
    rank: int
    item_count: int
    ballot_count: int
    kendall_w: float | None
    tied: bool


def item_history(db: Session, catalogue_item_id: int) -> list[HistoryPoint]:
    """One point per round that ranked this catalogue item and has an outcome, oldest first."""
    newest = (
        select(Outcome.round_id, func.max(Outcome.version_number).label("v"))
        .group_by(Outcome.round_id)
        .subquery()
    )
    rows = db.execute(
        select(Outcome, RoundItem.id)
        .join(
            newest, (Outcome.round_id == newest.c.round_id) & (Outcome.version_number == newest.c.v)
        )
        .join(RoundItem, RoundItem.round_id == Outcome.round_id)
        .join(Round, Round.id == Outcome.round_id)
        .join(RankingSession, RankingSession.id == Round.session_id)
        .where(RoundItem.catalogue_item_id == catalogue_item_id)
        .order_by(RankingSession.held_on, RankingSession.id, Round.position)
    ).all()
    points = []
    for outcome, round_item_id in rows:
        summary = summarise(outcome)
        ranked = summary.item(round_item_id)
        if ranked is None or ranked.rank is None:
            continue  # a round closed without ballots has no rank to show
        round_ = outcome.round
        points.append(
            HistoryPoint(
                outcome_id=outcome.id,
                round_id=round_.id,
                session_title=round_.session.title,
                round_title=round_.title,
                held_on=round_.session.held_on,
                version_number=outcome.version_number,
                title=ranked.title,
                rank=ranked.rank,
                item_count=len(summary.items),
                ballot_count=summary.ballot_count,
                kendall_w=summary.kendall_w,
                tied=ranked.tied,
            )
        )
    return points


@dataclass(frozen=True)
class TrackedItem:
    catalogue_item: CatalogueItem
    rounds: int


def tracked_items(db: Session) -> list[TrackedItem]:
    """Catalogue items that appear in at least one round with an outcome, most-ranked first."""
    count = func.count(func.distinct(Outcome.round_id))
    rows = db.execute(
        select(CatalogueItem, count)
        .join(RoundItem, RoundItem.catalogue_item_id == CatalogueItem.id)
        .join(Outcome, Outcome.round_id == RoundItem.round_id)
        .group_by(CatalogueItem.id)
        .order_by(count.desc(), CatalogueItem.catalogue_list_id, CatalogueItem.position)
    ).all()
    return [TrackedItem(item, int(n)) for item, n in rows]


# -- the chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    point: HistoryPoint


@dataclass(frozen=True)
class ChartTick:
    position: float
    label: str


@dataclass(frozen=True)
class RankChart:
    """Geometry of a small line chart: rank 1 at the top, time left to right."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[ChartTick, ...]
    x_ticks: tuple[ChartTick, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def rank_chart(points: Sequence[HistoryPoint], *, width: int = 480, height: int = 240) -> RankChart:
    """Lay the points out evenly in time order; the y axis runs from 1 to the largest list.

    Sized to stay legible when a phone scales it down to 320px: few, large
    labels. The data table beside the chart carries every exact value.
    """
    left, right, top, bottom = 36, 16, 28, 36
    inset = 28  # keeps the first and last date labels inside the frame
    plot_w, plot_h = width - left - right - 2 * inset, height - top - bottom
    worst = max((p.item_count for p in points), default=1)
    worst = max(worst, 2)

    def y_of(rank: float) -> float:
        return top + (rank - 1) / (worst - 1) * plot_h

    count = len(points)

    def x_of(index: int) -> float:
        # evenly spaced: sessions months apart and days apart stay readable
        offset = plot_w / 2 if count == 1 else index * plot_w / (count - 1)
        return left + inset + offset

    chart_points = tuple(
        ChartPoint(x_of(i), y_of(p.rank), f"{p.held_on.isoformat()}: {p.rank}/{p.item_count}", p)
        for i, p in enumerate(points)
    )
    step = max(1, round(worst / 5))
    ranks = list(range(1, worst + 1, step))
    if ranks[-1] != worst:
        if len(ranks) > 1 and worst - ranks[-1] < step / 2:
            ranks.pop()  # no two labels on top of each other
        ranks.append(worst)
    y_ticks = tuple(ChartTick(y_of(r), str(r)) for r in ranks)
    # at most four date labels (first and last always), as month-year
    every = max(1, -(-count // 4))
    x_ticks = tuple(
        ChartTick(cp.x, cp.point.held_on.strftime("%m-%Y"))
        for i, cp in enumerate(chart_points)
        if i % every == 0 or i == count - 1
    )
    return RankChart(width, height, left, top, right, bottom, chart_points, y_ticks, x_ticks)


# -- comparing two outcomes ----------------------------------------------------------------


@dataclass(frozen=True)
class ComparedItem:
    title: str
    rank_a: int | None
    rank_b: int | None
    catalogue_item_id: int | None

    @property
    def change(self) -> int | None:
        """Places gained from A to B (positive = climbed), None when in one of them only."""
        if self.rank_a is None or self.rank_b is None:
            return None
        return self.rank_a - self.rank_b

    @property
    def direction(self) -> str:
        """ "up", "down", "same", "new" (only in B) or "gone" (only in A)."""
        if self.rank_a is None:
            return "new"
        if self.rank_b is None:
            return "gone"
        change = self.rank_a - self.rank_b
        return "up" if change > 0 else "down" if change < 0 else "same"


def _key(item_title: str, catalogue_item_id: int | None) -> str:
    if catalogue_item_id is not None:
        return f"c{catalogue_item_id}"
    return "t" + " ".join(item_title.casefold().split())


def compare(a: Outcome, b: Outcome, method: str | None = None) -> list[ComparedItem]:
    """Items of both outcomes matched by catalogue item (else by title), in B's order.

    Items only in A follow at the end. ``method`` defaults to A's primary method.
    """
    method = method or a.primary_method

    def ranks(outcome: Outcome) -> dict[str, tuple[str, int | None, int | None]]:
        data = outcome.data
        ranking = (data.get("methods") or {}).get(method, {}).get("ranking", [])
        places = positions(ranking)
        found: dict[str, tuple[str, int | None, int | None]] = {}
        for item in data["items"]:
            key = _key(item["title"], item.get("catalogue_item_id"))
            found.setdefault(
                key, (item["title"], places.get(int(item["id"])), item.get("catalogue_item_id"))
            )
        return found

    in_a, in_b = ranks(a), ranks(b)
    rows = [
        ComparedItem(title, in_a.get(key, (title, None, None))[1], rank, catalogue_id)
        for key, (title, rank, catalogue_id) in in_b.items()
    ]
    rows += [
        ComparedItem(title, rank, None, catalogue_id)
        for key, (title, rank, catalogue_id) in in_a.items()
        if key not in in_b
    ]
    big = 10**6
    rows.sort(key=lambda r: (r.rank_b is None, r.rank_b or big, r.rank_a or big))
    return rows


def outcome_label(outcome: Outcome) -> str:
    round_ = outcome.round
    return (
        f"{round_.session.held_on.strftime('%d-%m-%Y')} · {round_.session.title} · "
        f"{round_.title} (v{outcome.version_number})"
    )
