"""Exact Kemeny-Young consensus from the weighted pairwise matrix.

Cost convention. Placing ``i`` above ``j`` costs ``P[j, i]``, the weight of the
voters who strictly prefer ``j`` to ``i``; the Kemeny distance of an order is the
sum of these costs over all pairs. A pair a ballot ties (or leaves unranked)
costs nothing either way. Kendall's tau with a tie penalty ``p`` only adds a
constant per ballot to this, so the optimal orders are the same, and the whole
problem lives in ``P`` (no pass over the ballots).

How it stays exact and fast:

1. *Decomposition.* Draw ``i -> j`` when ``i`` is not beaten by ``j``
   (margin ``>= 0``). Between two strongly connected components of this graph
   every margin is strictly positive in one direction, so any order that puts
   a later component's item above an earlier one's has an adjacent such pair,
   and swapping it strictly lowers the cost. Hence every optimum lists the
   components in their (total) condensation order, and the optima are exactly
   the concatenations of each component's optima. Zero margins never cross a
   component boundary, which is what keeps this exact with ties.
2. *Free components.* A component whose internal margins are all zero costs the
   same in every internal order: it is shown as one tier (a true tie).
3. *Small components* (up to ``DP_MAX`` items): a vectorised dynamic programme
   over subsets, which also counts the optimal orders exactly.
4. *Large components:* the linear-ordering LP with the 3-cycle (triangle)
   inequalities added lazily (HiGHS). Its duals certify a lower bound that
   holds for every order whatever the solver's accuracy; with an upper bound
   (the LP's own order when integral, else the LP rounded and polished by
   insertion moves) reduced-cost fixing pins every pair whose flip would
   cost more than the gap. Every optimal order obeys those precedences, so a
   DP over the order ideals of that partial order (usually a few thousand
   sets, even for 30 near-random items) finds the optimum, counts all optimal
   orders and applies the tie-break exactly. If that DP would exceed
   ``IDEAL_BUDGET`` sets, a lazy MILP (``mip_rel_gap=0``, status checked)
   finds the optimum, and zero-cost insertion moves plus MILPs with no-good
   cuts find further optima and prove uniqueness (capped).

``time_limit`` applies to the LP/MILP stages (the DP stages are bounded by
their size). If it is hit the best order found is reported with
``time_limit_hit``, ``optimal`` and the proven ``gap``: never silently.

Tie-break among optimal orders (documented, deterministic): let ``T`` be the
averaged-Borda order (row sums of the margin matrix, highest first, then lower
alternative index). The reported order is the lexicographically first optimal
order with respect to ``T``: its top item is the ``T``-earliest item that tops
some optimal order, and so on. Other optima are listed in ``details``.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .condorcet import borda_order, tier_points
from .profile import FloatArray, IntArray, Profile, WeakOrder
from .result import MethodResult

#: Largest component solved by the subset DP; above it the LP/MILP is faster.
DP_MAX = 15
DEFAULT_TIME_LIMIT = 10.0
DEFAULT_MAX_ALTERNATIVES = 10

BoolArray = npt.NDArray[np.bool_]
Order = tuple[int, ...]


@dataclass(frozen=True)
class KemenySolution:
    """Everything the exact solver proves about one pairwise matrix.

    ``order`` is the reported optimal strict order and ``ranking`` the same
    order with free blocks (items whose mutual margins are all zero and that
    are interchangeable in every optimum) shown as tiers. ``alternatives``
    lists up to ``max_alternatives`` other optimal rankings in that form.
    ``optimal_count`` counts optimal rankings in that form (a lower bound when
    ``count_exact`` is False); ``optimal_orders`` counts strict optimal orders.
    """

    order: Order
    ranking: WeakOrder
    distance: float
    unique: bool
    optimal_count: int
    optimal_orders: int
    count_exact: bool
    alternatives: tuple[WeakOrder, ...]
    optimal: bool
    lower_bound: float
    time_limit_hit: bool
    tie_break_exact: bool
    algorithm: str
    components: tuple[tuple[int, ...], ...]

    @property
    def gap(self) -> float:
        """Proven absolute gap between the reported distance and the optimum."""
        return max(0.0, self.distance - self.lower_bound)


@dataclass
class _Block:
    """One strongly connected component and what was proven about it."""

    items: tuple[int, ...]
    orders: list[Order]  # local indices; orders[0] is the reported one
    count: int = 1
    count_exact: bool = True
    free: bool = False
    algorithm: str = "trivial"
    optimal: bool = True
    lower_bound: float = 0.0
    time_limit_hit: bool = False
    tie_break_exact: bool = True


# -- public API ---------------------------------------------------------------


def kemeny_distance(pairwise: FloatArray, order: Sequence[int]) -> float:
    """Kemeny distance of a strict ``order``: the weight of every disagreeing pair."""
    idx = np.asarray(order, dtype=np.int64)
    sub = pairwise[np.ix_(idx, idx)]
    # sub[a, b] with a above b in the order is a disagreement when b is preferred
    return float(np.tril(sub, -1).sum())


def kemeny(
    profile: Profile,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_alternatives: int = DEFAULT_MAX_ALTERNATIVES,
) -> MethodResult:
    """Exact Kemeny-Young ranking of ``profile`` (see the module docstring).

    ``scores`` give each alternative the consensus-Borda points of the reported
    ranking (items below it, plus half of those tied with it), so that they
    reproduce its tiers; the Kemeny distance itself is ``details["distance"]``.
    """
    sol = solve_kemeny(profile.pairwise, time_limit=time_limit, max_alternatives=max_alternatives)
    scores = tier_points(sol.ranking, profile.n)
    details: dict[str, Any] = {
        "distance": sol.distance,
        "order": list(sol.order),
        "optimal_count": sol.optimal_count,
        "optimal_orders": sol.optimal_orders,
        "optimal_count_exact": sol.count_exact,
        "alternatives": [[list(t) for t in alt] for alt in sol.alternatives],
        "algorithm": sol.algorithm,
        "optimal": sol.optimal,
        "time_limit_hit": sol.time_limit_hit,
        "gap": sol.gap,
        "lower_bound": sol.lower_bound,
        "tie_break": "lexicographic-first optimum along the averaged-Borda order",
        "tie_break_exact": sol.tie_break_exact,
        "components": [list(c) for c in sol.components],
    }
    return MethodResult("kemeny", sol.ranking, scores, unique=sol.unique, details=details)


def solve_kemeny(
    pairwise: FloatArray,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_alternatives: int = DEFAULT_MAX_ALTERNATIVES,
) -> KemenySolution:
    """Solve Kemeny-Young exactly for a weighted pairwise matrix ``P``.

    ``P[i, j]`` is the weight of voters strictly preferring ``i`` to ``j``.
    ``time_limit`` (seconds) bounds the whole solve; if it is hit the result
    says so (``time_limit_hit``, ``optimal=False``) and carries the proven gap.
    """
    p = np.asarray(pairwise, dtype=np.float64)
    n = p.shape[0]
    if p.shape != (n, n):
        raise ValueError("the pairwise matrix must be square")
    deadline = time.monotonic() + max(0.0, time_limit)
    margins = p - p.T
    tol = 1e-11 * max(1.0, float(np.abs(p).sum()))
    key = _tie_break_key(margins)

    blocks = [
        _solve_block(p, margins, comp, key, tol, deadline, max_alternatives)
        for comp in _components(margins, tol)
    ]

    order: list[int] = []
    ranking: list[tuple[int, ...]] = []
    for b in blocks:
        local = b.orders[0]
        order.extend(b.items[i] for i in local)
        ranking.extend(_block_tiers(b, local))
    distance = kemeny_distance(p, order)
    non_free = [b for b in blocks if not b.free]
    count = math.prod(b.count for b in non_free)
    strict = count * math.prod(math.factorial(len(b.items)) for b in blocks if b.free)
    count_exact = all(b.count_exact for b in blocks)
    optimal = all(b.optimal for b in blocks)
    # cross-component pairs are fixed in every optimum, so bounds add up
    lower = distance - sum(_block_cost(p, b, b.orders[0]) - b.lower_bound for b in blocks)
    algorithms = sorted({b.algorithm for b in blocks} - {"trivial"}) or ["trivial"]
    return KemenySolution(
        order=tuple(order),
        ranking=tuple(ranking),
        distance=distance,
        unique=count == 1 and count_exact and optimal,
        optimal_count=count,
        optimal_orders=strict,
        count_exact=count_exact,
        alternatives=_combine_alternatives(blocks, max_alternatives),
        optimal=optimal,
        lower_bound=min(lower, distance),
        time_limit_hit=any(b.time_limit_hit for b in blocks),
        tie_break_exact=all(b.tie_break_exact for b in blocks),
        algorithm=", ".join(algorithms),
        components=tuple(b.items for b in blocks),
    )


# -- decomposition -----------------------------------------------------------


def _tie_break_key(margins: FloatArray) -> IntArray:
    """Rank of each alternative in the tie-break order ``T`` (0 = first)."""
    order = borda_order(margins)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _components(margins: FloatArray, tol: float) -> list[tuple[int, ...]]:
    """Strong components of the "not beaten" graph, best component first."""
    weak = margins >= -tol
    np.fill_diagonal(weak, False)
    count, labels = connected_components(csr_matrix(weak), directed=True, connection="strong")
    comps = [tuple(int(a) for a in np.flatnonzero(labels == c)) for c in range(count)]
    # an item beats exactly the items of all later components (plus some of its own)
    beats_outside = [int(np.sum((margins[c[0]] > tol) & (labels != labels[c[0]]))) for c in comps]
    return [c for _, c in sorted(zip(beats_outside, comps, strict=True), reverse=True)]


def _block_cost(p: FloatArray, block: _Block, local: Order) -> float:
    return kemeny_distance(p, [block.items[i] for i in local])


def _block_tiers(block: _Block, local: Order) -> list[tuple[int, ...]]:
    if block.free:
        return [tuple(sorted(block.items))]
    return [(block.items[i],) for i in local]


def _combine_alternatives(blocks: list[_Block], cap: int) -> tuple[WeakOrder, ...]:
    """Other optimal rankings: each block's optimal orders combined, the last varying fastest."""
    out: list[WeakOrder] = []
    choices = itertools.product(*(range(len(b.orders)) for b in blocks))
    next(choices)  # all zeros: the reported ranking
    for combo in choices:
        if len(out) >= cap:
            break
        tiers: list[tuple[int, ...]] = []
        for b, index in zip(blocks, combo, strict=True):
            tiers.extend(_block_tiers(b, b.orders[index]))
        out.append(tuple(tiers))
    return tuple(out)


def _solve_block(
    p: FloatArray,
    margins: FloatArray,
    items: tuple[int, ...],
    key: IntArray,
    tol: float,
    deadline: float,
    cap: int,
) -> _Block:
    k = len(items)
    idx = np.asarray(items, dtype=np.int64)
    sub_m = margins[np.ix_(idx, idx)]
    local_key = key[idx]
    t_order = tuple(int(i) for i in np.argsort(local_key, kind="stable"))
    if k == 1:
        return _Block(items, [(0,)])
    if np.all(np.abs(sub_m) <= tol):
        # every internal order costs the same: a genuine tie
        block = _Block(items, [t_order], free=True, algorithm="tie")
        block.lower_bound = _block_cost(p, block, t_order)
        return block
    sub_p = p[np.ix_(idx, idx)]
    if k <= DP_MAX:
        return _solve_dp(items, sub_p, t_order, tol, cap)
    return _solve_lp(items, sub_p, t_order, tol, deadline, cap)


# -- subset dynamic programme -----------------------------------------------------


def _solve_dp(
    items: tuple[int, ...], sub_p: FloatArray, t_order: Order, tol: float, cap: int
) -> _Block:
    """Held-Karp style DP: ``f[S]`` is the optimal internal cost of the set ``S``.

    The internal cost of a set does not depend on where the set sits, so the
    same table serves both the forward count of optimal orders (by last item)
    and the top-down reconstruction in tie-break order (by first item).
    """
    k = len(items)
    size = 1 << k
    cost = sub_p.T  # cost[i, j]: placing i above j
    below = np.zeros((k, size))  # below[v, S]: cost of putting v just below all of S
    popcount = np.zeros(size, dtype=np.int64)
    for b in range(k):
        below[:, 1 << b : 2 << b] = below[:, : 1 << b] + cost[b, :, None]
        popcount[1 << b : 2 << b] = popcount[: 1 << b] + 1
    f = np.full(size, np.inf)
    f[0] = 0.0
    count = np.zeros(size, dtype=np.int64)
    count[0] = 1
    by_layer = np.argsort(popcount, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(popcount, minlength=k + 1))))
    bits = (1 << np.arange(k, dtype=np.int64))[:, None]
    rows = np.arange(k)[:, None]
    for layer in range(1, k + 1):
        sets = by_layer[bounds[layer] : bounds[layer + 1]][None, :]
        has = (sets & bits) != 0
        prev = sets ^ bits  # S minus v where v is in S (masked out elsewhere)
        cand = np.where(has, f[prev] + below[rows, prev], np.inf)
        best = cand.min(axis=0)
        f[sets[0]] = best
        count[sets[0]] = np.where(cand <= best + tol, count[prev], 0).sum(axis=0)

    orders: list[Order] = []
    full = size - 1

    def descend(rest: int, prefix: list[int]) -> None:
        if len(orders) > cap:
            return
        if rest == 0:
            orders.append(tuple(prefix))
            return
        members = [u for u in range(k) if rest >> u & 1]
        for v in t_order:
            if not rest >> v & 1:
                continue
            after = rest ^ (1 << v)
            top = float(sum(cost[v, u] for u in members if u != v))
            if top + f[after] <= f[rest] + tol:
                prefix.append(v)
                descend(after, prefix)
                prefix.pop()
                if len(orders) > cap:
                    return

    descend(full, [])
    return _Block(
        items,
        orders,
        count=int(count[full]),
        count_exact=True,
        algorithm="dp",
        lower_bound=float(f[full]),
    )


# -- linear ordering LP / MILP with lazy triangle inequalities ----------------------


@lru_cache(maxsize=8)
def _triangles(k: int) -> tuple[csr_matrix, FloatArray]:
    """All 3-cycle inequalities over pair variables ``x[i<j]`` (1 = i above j).

    For ``i < j < l``: ``x_ij + x_jl - x_il <= 1`` and ``-x_ij - x_jl + x_il <= 0``.
    """
    pid = np.full((k, k), -1, dtype=np.int64)
    a, b = np.triu_indices(k, 1)
    pid[a, b] = np.arange(len(a))
    trip = np.array(list(itertools.combinations(range(k), 3)), dtype=np.int64)
    if len(trip) == 0:
        return csr_matrix((0, len(a))), np.zeros(0)
    i, j, m = trip.T
    c1, c2, c3 = pid[i, j], pid[j, m], pid[i, m]
    t = len(trip)
    rows = np.repeat(np.arange(2 * t), 3)
    cols = np.stack([c1, c2, c3, c1, c2, c3], axis=1).reshape(-1)
    vals = np.tile(np.array([1.0, 1.0, -1.0, -1.0, -1.0, 1.0]), t)
    matrix = csr_matrix((vals, (rows, cols)), shape=(2 * t, len(a)))
    return matrix, np.tile(np.array([1.0, 0.0]), t)


class _LinearOrdering:
    """The linear ordering problem on one component, rows added only when violated."""

    def __init__(self, sub_p: FloatArray, tol: float, deadline: float) -> None:
        self.k = sub_p.shape[0]
        self.p = sub_p
        self.margins = sub_p - sub_p.T
        self.upper = np.triu_indices(self.k, 1)
        self.pair = np.full((self.k, self.k), -1, dtype=np.int64)
        self.pair[self.upper] = np.arange(len(self.upper[0]))
        # cost of an order = const + c @ x, where x_ij = 1 puts i above j (i < j)
        self.c = -self.margins[self.upper]
        self.const = float(sub_p[self.upper].sum())
        self.rows, self.rhs = _triangles(self.k)
        self.active = np.zeros(self.rows.shape[0], dtype=bool)
        self.tol = tol
        self.deadline = deadline
        self.time_limit_hit = False
        self.reduced = np.abs(self.c)
        self.lp_x = (self.c < 0).astype(np.float64)
        self.lp_bound = -np.inf
        self.lo = np.zeros(len(self.c))
        self.hi = np.ones(len(self.c))

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def x_of(self, order: Order) -> FloatArray:
        pos = np.empty(self.k, dtype=np.int64)
        pos[list(order)] = np.arange(self.k)
        i, j = self.upper
        return (pos[i] < pos[j]).astype(np.float64)

    def order_of(self, x: FloatArray) -> Order | None:
        """The order a 0/1 vector encodes, or None if it is fractional or cyclic."""
        xr = np.round(x)
        if np.max(np.abs(x - xr), initial=0.0) > 1e-6:
            return None
        full = np.zeros((self.k, self.k))
        i, j = self.upper
        full[i, j] = xr
        full[j, i] = 1.0 - xr
        wins = full.sum(axis=1).astype(np.int64)
        if sorted(wins.tolist()) != list(range(self.k)):
            return None
        return tuple(int(a) for a in np.argsort(-wins, kind="stable"))

    def cost(self, order: Order) -> float:
        return kemeny_distance(self.p, order)

    def rounded(self, x: FloatArray) -> Order:
        """An order from a fractional solution: by fractional wins, then index."""
        full = np.zeros((self.k, self.k))
        i, j = self.upper
        full[i, j] = x
        full[j, i] = 1.0 - x
        return tuple(int(a) for a in np.argsort(-full.sum(axis=1), kind="stable"))

    def _separate(self, x: FloatArray) -> bool:
        """Activate the violated triangle rows; True if there were any."""
        violated = self.rows @ x - self.rhs > 1e-7
        if not violated.any():
            return False
        self.active |= violated
        return True

    def lp(self) -> tuple[str, FloatArray, float]:
        """Lazy LP relaxation; returns status, x and the LP lower bound on the cost.

        Also keeps the reduced costs, which ``fix`` turns into exact variable
        fixings once an upper bound on the optimum is known.
        """
        x = (self.c < 0).astype(np.float64)  # every pair by its majority
        self._certify(np.zeros(0))
        while self._separate(x):
            rest = self.remaining()
            if rest <= 0:
                self.time_limit_hit = True
                return "time", x, self.lp_bound
            res = linprog(
                self.c,
                A_ub=self.rows[self.active],
                b_ub=self.rhs[self.active],
                bounds=(0, 1),
                method="highs",
                options={"time_limit": rest},
            )
            if res.status == 1:
                self.time_limit_hit = True
                return "time", x, self.lp_bound
            if res.status != 0:
                raise RuntimeError(f"HiGHS LP failed: {res.message}")
            x = np.asarray(res.x, dtype=np.float64)
            duals = np.minimum(np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0)
            self._certify(duals)
        self.lp_x = x
        return "optimal", x, self.lp_bound

    def _certify(self, duals: FloatArray) -> None:
        """A rigorous lower bound and reduced costs from any duals ``y <= 0``.

        For every order, ``A x <= b`` gives ``c x >= y b + d x`` with
        ``d = c - A^T y``, whatever the solver's accuracy; so with
        ``L = y b + sum(min(d, 0))`` the cost of every order is at least
        ``const + L + sum_j |d_j| * [x_j differs from the sign of d_j's side]``.
        """
        rows = self.rows[self.active]
        self.reduced = self.c - rows.T @ duals
        low = float(duals @ self.rhs[self.active]) + float(np.minimum(self.reduced, 0.0).sum())
        self.lp_bound = self.const + low

    def fix(self, upper_bound: float) -> None:
        """Reduced-cost fixing, exact for every order costing at most ``upper_bound``.

        Putting ``x_j`` on the costly side of ``d_j`` adds ``|d_j|`` to the
        bound (see ``_certify``); if that exceeds ``upper_bound`` no optimal
        order does it, ties included, so the pair is fixed in all of them.
        """
        slack = upper_bound + self.tol - self.lp_bound
        self.lo = np.where(-self.reduced > slack, 1.0, 0.0)
        self.hi = np.where(self.reduced > slack, 0.0, 1.0)

    def milp(
        self,
        extra: list[LinearConstraint],
        lo: FloatArray | None = None,
        hi: FloatArray | None = None,
    ) -> tuple[str, Order | None, float]:
        """Lazy MILP; returns status ("optimal", "infeasible", "time"), order, lower bound.

        Each round solves exactly (``mip_rel_gap=0``) with the rows active so
        far; a cyclic answer only activates more rows, so "infeasible" and the
        bound are valid for the full problem.
        """
        low = self.lo if lo is None else np.maximum(self.lo, lo)
        high = self.hi if hi is None else np.minimum(self.hi, hi)
        if np.any(low > high):
            return "infeasible", None, np.inf
        box = Bounds(low, high)
        integrality = np.ones(len(self.c))
        bound = -np.inf
        while True:
            rest = self.remaining()
            if rest <= 0:
                self.time_limit_hit = True
                return "time", None, bound
            cons = list(extra)
            if self.active.any():
                cons.append(
                    LinearConstraint(self.rows[self.active], -np.inf, self.rhs[self.active])
                )
            res = milp(
                self.c,
                constraints=cons,
                integrality=integrality,
                bounds=box,
                options={"mip_rel_gap": 0.0, "time_limit": rest},
            )
            dual = getattr(res, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                bound = max(bound, self.const + float(dual))
            if res.status == 2:
                return "infeasible", None, np.inf
            if res.status == 1:
                self.time_limit_hit = True
                order = None if res.x is None else self.order_of(np.asarray(res.x))
                return "time", order, bound
            if res.status != 0 or res.x is None:
                raise RuntimeError(f"HiGHS MILP failed: {res.message}")
            x = np.asarray(res.x, dtype=np.float64)
            if not self._separate(x):
                order = self.order_of(x)
                if order is None:  # pragma: no cover - integral and triangle-free
                    raise RuntimeError("HiGHS returned a non-order")
                return "optimal", order, self.const + float(res.fun)

    def at_most(self, z: float) -> LinearConstraint:
        """Keep only orders costing at most ``z`` (the optimum)."""
        return LinearConstraint(self.c[None, :], -np.inf, z - self.const + self.tol)

    def excluding(self, orders: list[Order]) -> LinearConstraint:
        """No-good cuts: every solution differs from each of ``orders`` in some pair."""
        xs = np.array([self.x_of(o) for o in orders])
        return LinearConstraint(np.where(xs > 0.5, -1.0, 1.0), 1.0 - xs.sum(axis=1), np.inf)

    def moves(self, order: Order) -> list[tuple[float, int, int]]:
        """Every insertion move of ``order`` as (cost change, from, to)."""
        m = self.margins[np.ix_(order, order)]
        out: list[tuple[float, int, int]] = []
        for pos in range(self.k):
            # moving down past r loses m[pos, r]; moving up past r gains back m[r, pos]
            down = np.cumsum(m[pos, pos + 1 :])
            up = np.cumsum(m[:pos, pos][::-1])
            out.extend((float(d), pos, pos + s + 1) for s, d in enumerate(down))
            out.extend((float(u), pos, pos - s - 1) for s, u in enumerate(up))
        return out


def _move(order: Order, src: int, dst: int) -> Order:
    new = list(order)
    new.insert(dst, new.pop(src))
    return tuple(new)


def _local_search(model: _LinearOrdering, order: Order) -> Order:
    """Best-improvement insertion moves until none helps: a warm incumbent."""
    current = order
    while True:
        delta, src, dst = min(model.moves(current), default=(0.0, 0, 0))
        if delta >= -model.tol:
            return current
        current = _move(current, src, dst)


def _solve_lp(
    items: tuple[int, ...],
    sub_p: FloatArray,
    t_order: Order,
    tol: float,
    deadline: float,
    cap: int,
) -> _Block:
    """Large component: LP bound, reduced-cost fixing, then DP over the few orders left.

    The fixings turn into precedences every optimal order obeys; the DP over
    the order ideals of that partial order is then exact (optimum, count and
    tie-break) and usually tiny. Only if it is still too large do MILPs with
    no-good cuts take over.
    """
    model = _LinearOrdering(sub_p, tol, deadline)
    status, x, lower = model.lp()
    best = model.order_of(x) if status == "optimal" else None
    incumbent = best if best is not None else _local_search(model, t_order)
    if best is None:
        # rounding the LP by fractional wins and polishing usually lands near the optimum
        rounded = _local_search(model, model.rounded(x))
        if model.cost(rounded) < model.cost(incumbent):
            incumbent = rounded
    fixed_at = model.cost(incumbent)
    if status == "optimal":
        model.fix(fixed_at)
        block = _ideal_dp(items, model, t_order, cap)
        if block is not None:
            block.algorithm = "lp+dp" if best is None else "lp"
            return block

    algorithm = "lp" if best is not None or status != "optimal" else "milp"
    if best is None and status == "optimal":
        # fractional LP and too many candidate orders: branch exactly
        mstatus, order, bound = model.milp([])
        lower = max(lower, bound)
        if mstatus == "optimal":
            best = order
        elif order is not None and model.cost(order) < model.cost(incumbent):
            incumbent = order
    if best is None:
        # time budget hit: best known order, with the proven gap, never silent
        z = model.cost(incumbent)
        return _Block(
            items,
            [incumbent],
            count_exact=False,
            algorithm=algorithm,
            optimal=z <= lower + tol,
            lower_bound=min(lower, z),
            time_limit_hit=True,
            tie_break_exact=False,
        )

    z = model.cost(best)
    if z < fixed_at - tol:
        # the MILP's optimum is a tighter bound: fix more, and the DP may now fit
        model.fix(z)
        block = _ideal_dp(items, model, t_order, cap)
        if block is not None:
            block.algorithm = "milp+dp"
            return block
    return _enumerate_block(items, model, best, z, t_order, cap, algorithm)


#: Most order ideals the precedence DP may visit before falling back to MILPs.
IDEAL_BUDGET = 200_000


def _ideal_dp(
    items: tuple[int, ...], model: _LinearOrdering, t_order: Order, cap: int
) -> _Block | None:
    """Exact DP over the top-sets (order ideals) allowed by the fixed pairs.

    ``g[S]`` is the least cost of ordering everything outside the top-set ``S``
    below it. Every order costing at most the fixing bound obeys the fixed
    precedences, so the optimum, the number of optimal orders and the
    tie-break-first order all come out exactly. None when over ``IDEAL_BUDGET``.
    """
    k = model.k
    i, j = model.upper
    above = np.zeros((k, k), dtype=bool)
    fixed = model.lo == model.hi
    ones = fixed & (model.lo > 0.5)
    zeros = fixed & (model.lo < 0.5)
    above[i[ones], j[ones]] = True
    above[j[zeros], i[zeros]] = True
    for m in range(k):  # transitive closure (Warshall)
        above |= above[:, m : m + 1] & above[m : m + 1, :]
    if np.any(np.diag(above)):  # pragma: no cover - fixings come from one order
        return None
    bits = np.int64(1) << np.arange(k, dtype=np.int64)
    pred = (above * bits[:, None]).sum(axis=0).astype(np.int64)  # items that must be above b

    layers = [np.zeros(1, dtype=np.int64)]
    total = 1
    for _ in range(k):
        cur = layers[-1][None, :]
        ok = ((cur & bits[:, None]) == 0) & ((pred[:, None] & ~cur) == 0)
        nxt = np.unique((cur | bits[:, None])[ok])
        total += len(nxt)
        if total > IDEAL_BUDGET:
            return None
        layers.append(nxt)

    p = model.p
    colsum = p.sum(axis=0)  # colsum[b] - insum[b, S] = cost of b above all outside S

    # 10-bit lookup tables: chunk c of a set gives sum_{u in chunk} P[u, b] for every b
    tables = []
    for lo in range(0, k, 10):
        width = min(10, k - lo)
        table = np.zeros((k, 1 << width))
        for b in range(width):
            table[:, 1 << b : 2 << b] = table[:, : 1 << b] + p[lo + b, :, None]
        tables.append((lo, (1 << width) - 1, table))

    def insum(sets: IntArray) -> FloatArray:
        """``sum_{u in S} P[u, b]`` for every b (rows) and set S (columns)."""
        out = np.zeros((k, len(sets)))
        for lo, mask, table in tables:
            out += table[:, (sets >> lo) & mask]
        return out

    g: list[FloatArray] = [np.zeros(0)] * k + [np.zeros(1)]
    count: list[FloatArray] = [np.zeros(0)] * k + [np.ones(1)]
    for size in range(k - 1, -1, -1):
        cur = layers[size][None, :]
        nxt_sets = layers[size + 1]
        ok = ((cur & bits[:, None]) == 0) & ((pred[:, None] & ~cur) == 0)
        where = np.searchsorted(nxt_sets, cur | bits[:, None])
        where = np.minimum(where, len(nxt_sets) - 1)
        cand = np.where(ok, colsum[:, None] - insum(layers[size]) + g[size + 1][where], np.inf)
        best = cand.min(axis=0)
        g[size] = best
        count[size] = np.where(cand <= best + model.tol, count[size + 1][where], 0.0).sum(axis=0)

    orders: list[Order] = []

    def descend(size: int, index: int, prefix: list[int]) -> None:
        if size == k:
            orders.append(tuple(prefix))
            return
        s_set = int(layers[size][index])
        inside = insum(np.array([s_set], dtype=np.int64))[:, 0]
        for b in t_order:
            if s_set >> b & 1 or int(pred[b]) & ~s_set:
                continue
            nxt = int(np.searchsorted(layers[size + 1], s_set | 1 << b))
            value = colsum[b] - inside[b] + g[size + 1][nxt]
            if value <= g[size][index] + model.tol:
                prefix.append(b)
                descend(size + 1, nxt, prefix)
                prefix.pop()
                if len(orders) > cap:
                    return

    descend(0, 0, [])
    total_count = float(count[0][0])
    exact = total_count < 2.0**53
    return _Block(
        items,
        orders,
        count=int(total_count) if exact else int(total_count * (1 - 1e-9)),
        count_exact=exact,
        lower_bound=float(g[0][0]),
    )


def _enumerate_block(
    items: tuple[int, ...],
    model: _LinearOrdering,
    best: Order,
    z: float,
    t_order: Order,
    cap: int,
    algorithm: str,
) -> _Block:
    """Fallback: optima by zero-cost moves and no-good MILPs, tie-break by prefix MILPs."""
    rank = {v: r for r, v in enumerate(t_order)}
    found = _enumerate_optima(model, best, z, cap)
    orders = sorted(found.orders, key=lambda o: [rank[v] for v in o])
    tie_break_exact = True
    if not found.complete:
        first = _lexicographic_first(model, t_order, z, orders)
        if first is None:
            tie_break_exact = False
        else:
            if first in orders:
                orders.remove(first)
            orders.insert(0, first)
    return _Block(
        items,
        orders[: cap + 1],
        count=len(orders),
        count_exact=found.complete and not model.time_limit_hit,
        algorithm=algorithm + "+enum",
        lower_bound=z,
        time_limit_hit=model.time_limit_hit,
        tie_break_exact=tie_break_exact,
    )


@dataclass
class _Found:
    orders: list[Order]
    complete: bool


def _enumerate_optima(model: _LinearOrdering, first: Order, z: float, cap: int) -> _Found:
    """Optimal orders up to ``cap + 1``: zero-cost moves, then no-good MILPs to prove."""
    seen = {first}
    orders = [first]
    queue = [first]
    while True:
        while queue and len(orders) <= cap:
            current = queue.pop(0)
            for delta, src, dst in model.moves(current):
                if abs(delta) > model.tol:
                    continue
                nxt = _move(current, src, dst)
                if nxt not in seen:
                    seen.add(nxt)
                    orders.append(nxt)
                    queue.append(nxt)
        if len(orders) > cap:
            return _Found(orders, complete=False)
        status, order, _ = model.milp([model.at_most(z), model.excluding(orders)])
        if status == "infeasible":
            return _Found(orders, complete=True)
        if status != "optimal" or order is None:
            return _Found(orders, complete=False)
        if order in seen or model.cost(order) > z + model.tol:
            # within HiGHS's tolerance but not truly optimal: cannot happen on
            # integer weights; stop rather than loop
            return _Found(orders, complete=False)
        seen.add(order)
        orders.append(order)
        queue.append(order)


def _lexicographic_first(
    model: _LinearOrdering, t_order: Order, z: float, known: list[Order]
) -> Order | None:
    """The tie-break-first optimal order when not every optimum is known.

    Fixes the top positions one by one: the ``T``-earliest item for which an
    optimal order with that prefix exists (known optima answer most checks,
    a feasibility MILP the rest). Returns None if the time limit stops it.
    """
    prefix: list[int] = []
    witnesses = list(known)
    k = model.k
    while len(prefix) < k - 1:
        placed = set(prefix)
        for v in t_order:
            if v in placed:
                continue
            trial = [*prefix, v]
            match = [o for o in witnesses if list(o[: len(trial)]) == trial]
            if not match:
                order = _optimum_with_prefix(model, trial, z)
                if order is None:
                    if model.time_limit_hit:
                        return None
                    continue
                match = [order]
            prefix, witnesses = trial, match
            break
        else:  # pragma: no cover - some item always extends an optimal prefix
            return None
    return tuple(prefix + [v for v in range(k) if v not in prefix])


def _optimum_with_prefix(model: _LinearOrdering, prefix: list[int], z: float) -> Order | None:
    """An optimal order starting with ``prefix``, or None if there is none."""
    lower = np.zeros(len(model.c))
    upper = np.ones(len(model.c))
    later = [b for b in range(model.k) if b not in prefix]
    for rank, a in enumerate(prefix):
        for b in prefix[rank + 1 :] + later:
            value = 1.0 if a < b else 0.0
            index = model.pair[min(a, b), max(a, b)]
            lower[index] = upper[index] = value
    status, order, _ = model.milp([model.at_most(z)], lower, upper)
    if status != "optimal" or order is None or model.cost(order) > z + model.tol:
        return None
    return order
