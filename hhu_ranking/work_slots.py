"""The requests of a process that work at once, whatever its number of threads.

With long polls (``long_polls``) a gunicorn worker runs a thousand threads, nearly all
of them holding a phone's poll that waits. The requests that do work must still run a
few at a time, as gunicorn's eight threads ran them without long polls: a request
takes a work slot before it works and gives it back when done, and a held poll gives
its slot back while it waits and takes one again only to answer.

Under gunicorn (``gunicorn_worker.SlotThreadWorker``) the slot is taken before
gunicorn reads and parses the request, so a hall's burst of new connections does not
have hundreds of threads parsing side by side; under any other server (the tests'
client, gevent) the poll middleware takes it where the request enters Flask: an unchanged
poll that the middleware answers itself takes none. A thread knows which slots it holds (a
thread-local), so the two places never take one twice.

Under gevent's worker every request is a greenlet, and nothing but the slots keeps the
ones that work (and hold a database connection) few, with long polls or without.
"""

from __future__ import annotations

import threading

#: the slots of the app this process serves (set by the poll middleware; None: no limit)
_serving: threading.Semaphore | None = None
_held = threading.local()


def serve_with(slots: threading.Semaphore | None) -> None:
    """The slots the server's threads take before they read a request."""
    global _serving
    _serving = slots


def serving() -> threading.Semaphore | None:
    return _serving


def holds(slots: threading.Semaphore | None) -> bool:
    """This thread holds one of ``slots``."""
    held: threading.Semaphore | None = getattr(_held, "slots", None)
    return slots is not None and held is slots


def take(slots: threading.Semaphore | None) -> None:
    """Wait for a slot, unless this thread holds one already."""
    if slots is not None and not holds(slots):
        slots.acquire()
        _held.slots = slots


def give_back(slots: threading.Semaphore | None) -> None:
    """Give this thread's slot back, if it holds one."""
    if slots is not None and holds(slots):
        _held.slots = None
        slots.release()
