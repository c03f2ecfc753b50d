"""gunicorn's threaded worker, with the app's work slots taken before a request is read.

gunicorn hands every readable connection to a thread of its pool at once. With long
polls the pool has a thousand threads (``gunicorn.conf.py``), so a burst of new
connections in a joining hall had as many threads reading and parsing side by side
before the app's own gate (``work_slots``). Here each thread takes a work slot before it
reads; a new connection's first bytes are awaited without one (a browser may open a
connection and send nothing for seconds). Without long polls there are no slots and
nothing changes: gunicorn's threads are the slots then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

from . import work_slots

#: how long a new connection's first bytes are awaited before its slot is taken
FIRST_BYTES_SECONDS = 5.0


def _in_a_slot(handle: Callable[[Any], Any], conn: Any) -> Any:
    slots = work_slots.serving()
    if slots is None:
        return handle(conn)
    new = not getattr(conn, "initialized", True) and not getattr(conn, "data_ready", True)
    if new and not conn.wait_for_data(FIRST_BYTES_SECONDS):
        return handle(conn)  # nothing came: gunicorn waits its own while, then polls it
    work_slots.take(slots)
    try:
        return handle(conn)
    finally:
        work_slots.give_back(slots)


class SlotThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``worker_class`` of gunicorn.conf.py: the gthread worker, its requests in work slots."""

    def handle(self, conn: Any) -> Any:
        """Runs in a thread of gunicorn's pool: the request is read and served in a slot."""
        return _in_a_slot(super().handle, conn)
