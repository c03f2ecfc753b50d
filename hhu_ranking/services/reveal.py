"""The reveal of a closed round: its places shown one at a time, from the last to the first.

``Round.revealed`` says how many places (tiers of the Kemeny consensus, so tied
items appear together) are shown, counted from the bottom; None shows them all.
It lives in the database, so a second screen, a reload and every phone show the
same place; each change bumps the session's state version (never the round's
own version, which would throw the cached result away), so the polls' ETags
change and everything follows within a poll.

A round whose result stayed hidden while voting starts its reveal at 0 when it
closes; a round that was live shows everything, and the facilitator can start
a reveal anyway ("start").
"""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..models import Round, RoundState
from .errors import ServiceError
from .sessions import bump_state

Step = Literal["next", "back", "all", "start"]
STEPS: tuple[Step, ...] = ("next", "back", "all", "start")


def initial_reveal(round_: Round) -> int | None:
    """Where a round's reveal stands right after it closes."""
    return None if round_.results_live else 0


def shown_places(revealed: int | None, places: int) -> int:
    """How many of ``places`` places (from the last) are shown."""
    return places if revealed is None else max(0, min(revealed, places))


def step_reveal(db: Session, round_: Round, step: Step, places: int) -> int | None:
    """Move the reveal of a closed round with ``places`` places one step; returns the new value.

    ``next`` shows one more place, ``back`` one
    fewer (from "all" back to all but the first), ``all`` every place and
    ``start`` none. A step that changes nothing writes nothing.
    """
    if round_.state is not RoundState.CLOSED:
        raise ServiceError(
            _l("Alleen de uitslag van een gesloten ronde kun je onthullen."), status=409
        )
    current = round_.revealed
    shown = shown_places(current, places)
    new: int | None
    if step == "next":
        # the last step keeps a number (not None), so the screens animate the first place
        new = None if current is None else min(shown + 1, places)
    elif step == "back":
        new = max(0, shown - 1)
    elif step == "all":
        new = None
    else:
        new = 0
    if new != current:
        round_.revealed = new
        db.flush()
        bump_state(db, round_.session_id)
    return new
