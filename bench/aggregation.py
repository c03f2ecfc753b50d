"""Benchmark of the aggregation engine; prints one machine-readable line per measurement.

    .venv/bin/python bench/aggregation.py            # the full grid (minutes: pref_voting at n=10)
    .venv/bin/python bench/aggregation.py --quick    # a subset, under a minute

Each line reads::

    n=20 m=5000 profile=mallows borda_stats_ms=12.3 kemeny_ms=45.6 pref_voting_ms=- ratio=- \
bootstrap_ms=210.0

with ``-`` where a measurement was not run. Lines starting with ``#`` are
comments. What is timed (medians over ``--repeats`` runs):

* ``borda_stats_ms``: from a profile whose cached matrices have been cleared
  (so ``tier_index``, ``positions`` and ``pairwise`` are rebuilt from the
  ballots) to Borda plus every agreement statistic: Kendall's W and its
  p-value, each voter's tau distance to the Borda ranking, the mean pairwise
  tau, the per-item rank statistics and the pairwise support matrices. The
  bootstrap is excluded. Building the ``Profile`` object itself (validating
  the ballots) is not timed.
* ``kemeny_ms``: ``methods.aggregate(profile, "kemeny")`` with the pairwise
  matrix already built (it is the solver's input; building it is part of
  ``borda_stats_ms``), every other cache cleared.
* ``pref_voting_ms``: ``pref_voting.other_methods.kemeny_young`` on the same
  profile (a pref_voting ``Profile`` built beforehand, so its margins are
  precomputed too). It enumerates all ``n!`` orders, so it only runs for
  ``n <= 10`` (once for ``n >= 9``). ``ratio`` is ``pref_voting_ms / kemeny_ms``.
* ``bootstrap_ms``: ``bootstrap_stability`` with 1,000 resamples (Borda).

Profiles are seeded: impartial culture (``ic``: uniform random strict orders)
and Mallows (``mallows``: repeated insertion around the order ``0..n-1``
with dispersion ``phi = 0.8``).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from hhu_ranking.aggregation.agreement import agreement
from hhu_ranking.aggregation.bootstrap import bootstrap_stability
from hhu_ranking.aggregation.methods import aggregate
from hhu_ranking.aggregation.profile import Profile

FULL_NS = (5, 8, 9, 10, 12, 15, 20, 25, 30)
QUICK_NS = (5, 9, 20)
MS = (100, 5000)
QUICK_MS = (5000,)
KINDS = ("ic", "mallows")
PHI = 0.8
PREF_VOTING_MAX_N = 10


def impartial_culture(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """``(m, n)`` uniformly random strict orders."""
    return rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)


def mallows(rng: np.random.Generator, n: int, m: int, phi: float = PHI) -> np.ndarray:
    """``(m, n)`` Mallows orders around ``0..n-1`` by repeated insertion.

    Item ``i`` of the reference is inserted at position ``j`` of the ``i``
    already placed with probability proportional to ``phi ** (i - j)``
    (``j = i``, the bottom, adds no inversion), which yields
    ``P(order) ~ phi ** (Kendall distance to the reference)``.
    """
    slots = []
    for i in range(n):
        weights = phi ** (i - np.arange(i + 1, dtype=np.float64))
        slots.append(rng.choice(i + 1, size=m, p=weights / weights.sum()))
    orders = np.empty((m, n), dtype=np.int64)
    for v in range(m):
        order: list[int] = []
        for i in range(n):
            order.insert(int(slots[i][v]), i)
        orders[v] = order
    return orders


def make_profile(kind: str, n: int, m: int, seed: int) -> Profile:
    rng = np.random.default_rng([seed, n, m, KINDS.index(kind)])
    orders = impartial_culture(rng, n, m) if kind == "ic" else mallows(rng, n, m)
    return Profile.from_orders([f"item {i + 1}" for i in range(n)], orders.tolist())


def clear(profile: Profile) -> None:
    """Forget every cached matrix (they live in the instance ``__dict__``)."""
    profile.__dict__.clear()


def median_ms(run: Callable[[], object], prepare: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        prepare()
        gc.collect()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def borda_with_statistics(profile: Profile) -> None:
    borda = aggregate(profile, "borda")
    agreement(profile, borda.ranking, top_k=3)


def pref_voting_kemeny(profile: Profile) -> tuple[Callable[[], object], Callable[[], set[int]]]:
    """A timed call of pref_voting's Kemeny-Young on ``profile`` and its winners."""
    from pref_voting.other_methods import kemeny_young
    from pref_voting.profiles import Profile as PrefVotingProfile

    merged = profile.compressed()
    rankings = [[tier[0] for tier in b.tiers] for b in merged.ballots]
    counts = [round(b.weight) for b in merged.ballots]
    theirs = PrefVotingProfile(rankings, rcounts=counts)
    result: list[set[int]] = []

    def run() -> object:
        result[:] = [set(kemeny_young(theirs))]
        return result

    return run, lambda: result[0]


def fmt(value: float | None) -> str:
    """A number for the output line: ``-`` when not measured, else 3-4 significant digits."""
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 1000 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="n = 5, 9, 20 at m = 5000 only: under a minute"
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per median")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-pref-voting", action="store_true", help="skip pref_voting")
    args = parser.parse_args(argv)

    ns = QUICK_NS if args.quick else FULL_NS
    ms = QUICK_MS if args.quick else MS
    use_pref_voting = not args.no_pref_voting
    if use_pref_voting:
        import pref_voting.other_methods  # noqa: F401  (numba start-up, not timed)

    cpus = os.cpu_count()
    print(f"# python {platform.python_version()} numpy {np.__version__} cpus={cpus}")
    print(f"# {platform.platform()} repeats={args.repeats} seed={args.seed} quick={args.quick}")
    for n in ns:
        for m in ms:
            for kind in KINDS:
                profile = make_profile(kind, n, m, args.seed)
                borda_ms = median_ms(
                    lambda p=profile: borda_with_statistics(p),
                    lambda p=profile: clear(p),
                    args.repeats,
                )

                def prepared(p: Profile = profile) -> None:
                    clear(p)
                    _ = p.pairwise

                kemeny_ms = median_ms(
                    lambda p=profile: aggregate(p, "kemeny"), prepared, args.repeats
                )
                ours = aggregate(profile, "kemeny")

                pv_ms: float | None = None
                if use_pref_voting and n <= PREF_VOTING_MAX_N and (not args.quick or n < 10):
                    run, winners = pref_voting_kemeny(profile)
                    pv_ms = median_ms(run, lambda: None, 1 if n >= 9 else args.repeats)
                    if not set(ours.ranking[0]) <= winners():
                        print(
                            f"# WARNING n={n} m={m} {kind}: our Kemeny top {ours.ranking[0]} "
                            f"is not among pref_voting's winners {sorted(winners())}",
                            file=sys.stderr,
                        )

                boot_ms: float | None = None
                if not args.quick or (n == 20 and m == 5000):
                    boot_ms = median_ms(
                        lambda p=profile: bootstrap_stability(p, samples=1000, seed=1),
                        lambda p=profile: clear(p),
                        3,
                    )

                ratio = None if pv_ms is None else pv_ms / kemeny_ms
                print(
                    f"n={n} m={m} profile={kind} borda_stats_ms={fmt(borda_ms)} "
                    f"kemeny_ms={fmt(kemeny_ms)} pref_voting_ms={fmt(pv_ms)} "
                    f"ratio={fmt(ratio)} "
                    f"bootstrap_ms={fmt(boot_ms)}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
