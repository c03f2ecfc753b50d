"""The pairwise majority heatmap: who puts which item above which, in the consensus order.

Read from a result's ``pairwise.support`` (``aggregation.report``): the live payload
for the big screen and the facilitator's console, a frozen outcome's analysis for its
page. Nothing is computed here beyond rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Outcome

#: the most items a heatmap is drawn for (a round's largest size)
HEATMAP_MAX_ITEMS = 30
#: cells carry their percentage up to this many items (beyond, the colour, the cell's
#: tooltip and the table below it do)
HEATMAP_VALUES_MAX_ITEMS = 15
#: ... and on the big screen, whose heatmap is 30 % of the screen's height
SCREEN_VALUES_MAX_ITEMS = 6
#: the big screen numbers every row and column up to this many items; beyond, the first
#: and every fifth, in type large enough for the back of the room
SCREEN_ALL_LABELS_MAX_ITEMS = 12


def _percent(share: float | None) -> int:
    return 0 if share is None else int(round(100 * float(share)))


@dataclass(frozen=True)
class Heatmap:
    """The pairwise majorities, rows and columns in consensus order."""

    titles: list[str]
    #: cells[i][j]: whole percent of the voters putting item i above item j (None: i == j)
    cells: list[list[int | None]]

    @property
    def size(self) -> int:
        return len(self.titles)

    @property
    def with_values(self) -> bool:
        """Whether the cells are large enough to carry their percentage."""
        return self.size <= HEATMAP_VALUES_MAX_ITEMS

    @property
    def screen_values(self) -> bool:
        """Whether the big screen writes the percentages in the cells."""
        return self.size <= SCREEN_VALUES_MAX_ITEMS

    @property
    def screen_label_step(self) -> int:
        """The big screen labels the first row and column and every this-many-th."""
        return 1 if self.size <= SCREEN_ALL_LABELS_MAX_ITEMS else 5

    # The big screen's type is sized against the heatmap's side, not its cells, so a label
    # is about 5 % of the side at 2 items and at 30 (in the SVG's unit, one cell):
    # label = 0.05 * (size + pad) with pad = 2.2 * label + 0.3, room for "11=" beside a row.

    @property
    def screen_label_size(self) -> float:
        """The big screen's label size, in cells."""
        return round(0.05 * (self.size + 0.3) / (1 - 2.2 * 0.05), 3)

    @property
    def screen_pad(self) -> float:
        """The band left of and above the cells that holds the big screen's labels, in cells."""
        return round(2.2 * self.screen_label_size + 0.3, 3)

    @property
    def screen_value_size(self) -> float:
        """The big screen's percentages in the cells, in cells (at most 6 % of the side)."""
        return round(min(0.42, 0.06 * (self.size + self.screen_pad)), 3)

    def shade(self, value: int | None) -> int:
        """The colour class 0-4 of a cell: 0 a clear minority, 2 about half, 4 a clear majority."""
        if value is None or 45 <= value <= 55:
            return 2
        if value < 45:
            return 0 if value < 30 else 1
        return 4 if value > 70 else 3


def pairwise_heatmap(
    titles: Sequence[str], support: Sequence[Sequence[float | None]] | None, order: Sequence[int]
) -> Heatmap | None:
    """The heatmap of ``support[a][b]`` (share putting ``a`` above ``b``) with rows in ``order``.

    None without support or with more than :data:`HEATMAP_MAX_ITEMS` items.
    """
    if not support or not order or len(order) > HEATMAP_MAX_ITEMS:
        return None
    return Heatmap(
        [titles[a] for a in order],
        [[None if a == b else _percent(support[a][b]) for b in order] for a in order],
    )


def outcome_heatmap(outcome: Outcome, order_ids: Sequence[int]) -> Heatmap | None:
    """A frozen outcome's heatmap, rows in ``order_ids`` (round item ids, as its page lists)."""
    data: dict[str, Any] = outcome.data
    analysis = data.get("analysis") or {}
    index = {int(item["id"]): a for a, item in enumerate(data["items"])}
    return pairwise_heatmap(
        [str(item["title"]) for item in data["items"]],
        (analysis.get("pairwise") or {}).get("support"),
        [index[i] for i in order_ids if i in index],
    )
