"""The tests' clock, and dates derived from it, so that the suite passes on any day.

CI runs the suite a second time with ``HHU_TEST_CLOCK_SHIFT_DAYS=365``: this
module, imported first by ``tests/conftest.py``, then moves the whole test
process's clock (the app and the live server thread included) that many days
ahead with time-machine, still ticking. Every date below follows it; a test
that hard-codes today's date fails in that run.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

#: the room's time zone, as the app's BABEL_DEFAULT_TIMEZONE
UTRECHT = ZoneInfo("Europe/Amsterdam")

SHIFT_DAYS = int(os.environ.get("HHU_TEST_CLOCK_SHIFT_DAYS", "0") or 0)
if SHIFT_DAYS:
    time_machine.travel(datetime.now(UTC) + timedelta(days=SHIFT_DAYS), tick=True).start()


def local_today() -> date:
    """Today in Utrecht (the app's own ``local_today`` needs an app context)."""
    return datetime.now(UTRECHT).date()


#: when the sessions the builders make were held: a past meeting, as exported ones usually are
SESSION_DAY = local_today() - timedelta(days=9)
#: that day as it appears in file names and exports
SESSION_DAY_ISO = SESSION_DAY.isoformat()


def days_from_today(days: int) -> date:
    """A date ``days`` from today in Utrecht (negative: in the past)."""
    return local_today() + timedelta(days=days)
