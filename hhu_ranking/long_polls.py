"""Phone polls held on the server until their session's state moves on (long polling).

A phone asks "anything new?" every few seconds, yet the answer (its session's state
version: a round opened or closed) changes a handful of times per session. In a
festival hall five in six requests were such polls, and gunicorn alone spends 0.4 ms
of CPU on each before any of our code runs. A phone poll that names ``wait`` is held
here instead, for up to that many seconds, and answered as soon as the state version
moves on: the phone sees a change at once, and asks a few times a minute, not twenty.

One thread per process reads the state versions of the sessions being waited on,
every ``tick`` seconds (on PostgreSQL from the notices the process already hears, and
at once when one comes; on SQLite one indexed SELECT per session), so a thousand
waiting phones cost the database what one does. It only wakes the waiting requests;
what they answer is read afresh, so every host of a cluster works alike and nothing
can go stale.

A waiting request holds a gunicorn thread (``gunicorn.conf.py`` adds
``LONG_POLL_WAITERS`` to each worker's threads) but no work slot: the poll middleware
keeps the requests that do work (and take database connections) as few as the threads
were before, and gives a held poll's slot back while it waits. When
``capacity`` polls wait already, the next is answered at once and its page asks again
after its interval: the hall falls back to plain polling, it does not queue.

A change wakes one waiting phone of the session first, and the rest once it has its
answer, a few at a time: the one renders the answer the rest of the hall is given from
memory (polling.ConditionalPolls), and no thread queues for the GIL behind hundreds of
others between each of its queries and writes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

log = logging.getLogger(__name__)

#: why a held poll ended: its state moved on, its time was up, the same page asked again
#: (its old request is answered so that it does not hold a thread), or no room to wait
WaitEnd = Literal["changed", "timeout", "superseded", "full"]


class Waited(NamedTuple):
    end: WaitEnd
    #: the state version that ended it ("changed"; None: the session is gone)
    version: int | None = None
    #: to be set once the woken request has made its answer (the rest of the hall waits
    #: for the first one's)
    answered: threading.Event | None = None


#: how long the rest of a woken hall waits for the first one's answer, at most, and then
#: for all the others' (beyond it they are woken without waiting for each other)
FIRST_ANSWER_SECONDS = 2.0
#: how many of a woken hall are woken together, each such turn once all have answered
WAKE_TOGETHER = 32

#: every StateWaits of this process, for ``end_all_waits``
_ALL: weakref.WeakSet[StateWaits] = weakref.WeakSet()


def end_all_waits() -> None:
    """Answer every held poll of this process now, and hold no more: the worker is stopping
    (gunicorn.conf.py), and its phones should ask another one, not wait for it to go."""
    for waits in list(_ALL):
        waits.end()


@dataclass(eq=False)
class _Waiter:
    code: str
    version: int
    key: tuple[str, str] | None
    event: threading.Event = field(default_factory=threading.Event)
    reason: WaitEnd = "timeout"
    current: int | None = None
    answered: threading.Event = field(default_factory=threading.Event)


class StateWaits:
    """The phone polls of one process that wait for their session's state version to move."""

    def __init__(
        self,
        version_of: Callable[[str], int | None],
        *,
        capacity: int,
        tick: float = 0.1,
    ) -> None:
        self._version_of = version_of
        self.capacity = capacity
        self._tick = tick
        self._lock = threading.Lock()
        self._by_code: dict[str, set[_Waiter]] = defaultdict(set)
        self._by_key: dict[tuple[str, str], _Waiter] = {}
        self._count = 0
        self._watching = False
        self._ended = False
        self._nudged = threading.Event()
        self._pid = os.getpid()
        _ALL.add(self)

    @property
    def waiting(self) -> int:
        with self._lock:
            return self._count

    def wait(self, code: str, version: int, seconds: float, page: str | None = None) -> Waited:
        """Hold the caller until ``code``'s state version is no longer ``version``, or
        ``seconds`` passed. ``page`` names the asking page: its newer poll ends this one."""
        key = (code, page) if page else None
        waiter = _Waiter(code, version, key)
        with self._lock:
            self._after_fork()
            if self._count >= self.capacity or self._ended:
                return Waited("full")
            if key is not None and (older := self._by_key.get(key)) is not None:
                older.reason = "superseded"
                older.event.set()
            if key is not None:
                self._by_key[key] = waiter
            self._by_code[code].add(waiter)
            self._count += 1
            if not self._watching:
                self._watching = True
                threading.Thread(target=self._watch, name="hhu-long-polls", daemon=True).start()
        if not waiter.event.wait(seconds) or waiter.reason != "changed":
            with self._lock:
                # the watcher may have claimed it for a change just as its time ran out: then
                # it answers the change (the rest of the hall waits for that answer)
                if waiter.reason != "changed":
                    self._forget(waiter)
                    return Waited(waiter.reason)
        # a woken hall takes no shared lock: the watcher forgot it already
        return Waited("changed", waiter.current, waiter.answered)

    def end(self) -> None:
        """Answer every held poll now, and hold none from here on."""
        with self._lock:
            self._ended = True
            for waiter in [w for ws in self._by_code.values() for w in ws]:
                if waiter.reason != "changed":
                    waiter.reason = "superseded"
                waiter.event.set()

    def _forget(self, waiter: _Waiter) -> None:
        # called with the lock held
        waiters = self._by_code.get(waiter.code)
        if waiters is not None and waiter in waiters:
            waiters.discard(waiter)
            self._count -= 1
            if not waiters:
                del self._by_code[waiter.code]
        if waiter.key is not None and self._by_key.get(waiter.key) is waiter:
            del self._by_key[waiter.key]

    def _after_fork(self) -> None:
        # called with the lock held: a forked worker inherits no watching thread
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._by_code.clear()
            self._by_key.clear()
            self._count = 0
            self._watching = False
            self._ended = False

    # -- the watching thread --------------------------------------------------------------

    def look_now(self) -> None:
        """Something changed (PostgreSQL's notice): look before the next tick."""
        self._nudged.set()

    def _watch(self) -> None:
        while True:
            self._nudged.wait(self._tick)
            self._nudged.clear()
            with self._lock:
                if self._count == 0:
                    self._watching = False
                    return
                codes = list(self._by_code)
            for code in codes:
                try:
                    current = self._version_of(code)
                except Exception as error:  # noqa: BLE001 (the polls time out as plain polls)
                    log.warning("long polls: cannot read the state of %s: %s", code, error)
                    continue
                self._wake(code, current)

    def _wake(self, code: str, current: int | None) -> None:
        with self._lock:
            moved = [
                w
                for w in self._by_code.get(code, ())
                if w.version != current and not w.event.is_set()
            ]
            for waiter in moved:
                self._forget(waiter)
                waiter.reason = "changed"
                waiter.current = current
        if not moved:
            return
        # one first, alone: it makes the answer the others will be given; then the rest, a
        # few at a time, each few once answered. Woken together, hundreds of threads queue
        # for the GIL at every lock, query and write of each other (a second and more for
        # 500 of them, measured, against a fifth of that in turns)
        first, rest = moved[0], moved[1:]
        first.event.set()
        first.answered.wait(FIRST_ANSWER_SECONDS)
        deadline = time.monotonic() + FIRST_ANSWER_SECONDS
        for start in range(0, len(rest), WAKE_TOGETHER):
            turn = rest[start : start + WAKE_TOGETHER]
            for waiter in turn:
                waiter.event.set()
            for waiter in turn:
                waiter.answered.wait(max(0.0, deadline - time.monotonic()))
