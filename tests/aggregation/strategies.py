"""Hypothesis strategies for random preference profiles.

Shared by the aggregation tests (import as ``from strategies import profiles``;
pytest puts this folder on ``sys.path``). The API is kept stable:

- ``weak_orders(n, kind)``: one ballot's tiers over ``0..n-1``;
- ``weights()``: a ballot weight; dyadic (multiples of 1/4) so that sums of
  weights are exact in floating point and ties between scores stay exact;
- ``profiles(min_n, max_n, max_m, kinds, weighted)``: a whole ``Profile``.

Kinds follow PrefLib: ``soc`` full strict orders, ``soi`` strict top-k (the
rest unranked), ``toc`` full orders with ties, ``toi`` top-k with ties.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from hhu_ranking.aggregation.profile import Ballot, Profile, WeakOrder

KINDS: tuple[str, ...] = ("soc", "soi", "toc", "toi")


@st.composite
def _cut(draw: st.DrawFn, order: list[int], ties: bool) -> WeakOrder:
    """Split ``order`` into tiers: singletons, or random runs when ties are allowed."""
    if not ties:
        return tuple((a,) for a in order)
    tiers: list[tuple[int, ...]] = []
    current: list[int] = []
    for a in order:
        current.append(a)
        if draw(st.booleans()):
            tiers.append(tuple(sorted(current)))
            current = []
    if current:
        tiers.append(tuple(sorted(current)))
    return tuple(tiers)


@st.composite
def weak_orders(draw: st.DrawFn, n: int, kind: str = "soc") -> WeakOrder:
    """One ballot of the given PrefLib ``kind`` over alternatives ``0..n-1``.

    Incomplete kinds rank at least one alternative and may rank all of them.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    order = draw(st.permutations(range(n)))
    if kind in ("soi", "toi"):
        k = draw(st.integers(min_value=1, max_value=n))
        order = order[:k]
    return draw(_cut(list(order), ties=kind in ("toc", "toi")))


def weights() -> st.SearchStrategy[float]:
    """A positive ballot weight in ``[0.25, 5]``, a multiple of 1/4 (exact sums)."""
    return st.integers(min_value=1, max_value=20).map(lambda q: q / 4)


@st.composite
def profiles(
    draw: st.DrawFn,
    min_n: int = 2,
    max_n: int = 7,
    max_m: int = 12,
    kinds: Sequence[str] = KINDS,
    weighted: bool = False,
    min_m: int = 1,
) -> Profile:
    """A random profile: ``n`` in ``[min_n, max_n]``, ``m`` in ``[min_m, max_m]`` ballots.

    Each ballot picks its kind from ``kinds`` (so mixed profiles occur);
    ``weighted`` draws a weight per ballot with ``weights()``, else all are 1.
    """
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    m = draw(st.integers(min_value=min_m, max_value=max_m))
    ballots = []
    for _ in range(m):
        kind = draw(st.sampled_from(tuple(kinds)))
        tiers = draw(weak_orders(n, kind))
        weight = draw(weights()) if weighted else 1.0
        ballots.append(Ballot(tiers, weight))
    return Profile([f"A{i}" for i in range(n)], ballots)
