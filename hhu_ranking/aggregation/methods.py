"""The registry of consensus methods, so callers pick one by name.

Every method takes a ``Profile`` plus keyword options and returns a
``MethodResult``; the options are those of the function named here:

- ``borda``: ``partial="average" | "zero" | "modified"`` (see ``borda.py``);
- ``kemeny``: ``time_limit`` (seconds), ``max_alternatives`` (see ``kemeny.py``);
- ``schulze``: ``strength="margin" | "winning"``;
- ``copeland`` and ``ranked-pairs``: none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .borda import borda
from .condorcet import copeland, ranked_pairs, schulze
from .kemeny import kemeny
from .profile import Profile
from .result import MethodResult

METHODS: dict[str, Callable[..., MethodResult]] = {
    "borda": borda,
    "kemeny": kemeny,
    "schulze": schulze,
    "copeland": copeland,
    "ranked-pairs": ranked_pairs,
}


def aggregate(profile: Profile, method: str, **options: Any) -> MethodResult:
    """Run the method registered as ``method`` on ``profile``."""
    try:
        function = METHODS[method]
    except KeyError:
        known = ", ".join(METHODS)
        raise ValueError(f"unknown method {method!r}; choose one of {known}") from None
    return function(profile, **options)
