"""What changes when gunicorn's gevent worker serves the app (``gunicorn.conf.py``).

Every request is then a greenlet of one thread per worker, and a greenlet that computes
holds all the others of its worker until it is done: the phones' polls and ballots would
wait behind an exact Kemeny of a large round (up to ``KEMENY_TIME_LIMIT`` seconds) or the
bootstrap of a big screen's result. :func:`off_the_loop` runs such a computation in a
thread of gevent's pool instead, where it takes turns with the loop as threads do (and
NumPy and the solver let go of the GIL while they work).
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def greenlets_serve() -> bool:
    """Requests are greenlets here: gevent has patched this process's threading (its
    gunicorn worker does before it loads the app)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def off_the_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)``, in a thread of gevent's pool when greenlets serve
    (the caller's greenlet waits, the others go on), else right here. It runs in the
    caller's context (Flask's app and request), so it must not use the database session:
    pass it what it needs, loaded."""
    if not greenlets_serve():
        return function(*args, **kwargs)
    from gevent import get_hub  # type: ignore[import-untyped]

    context = contextvars.copy_context()
    result: Any = get_hub().threadpool.apply(context.run, (function, *args), kwargs)
    return result  # type: ignore[no-any-return]
