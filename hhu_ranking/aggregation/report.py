"""One JSON-ready analysis of a profile: what the web app shows and stores.

``analyse`` runs the requested consensus methods, every agreement statistic,
the per-item summaries and (optionally) the bootstrap, and returns plain data:
only ``str`` keys, lists, ``int``, ``bool``, ``None`` and floats rounded to
``DIGITS`` decimals. ``to_json`` serialises it canonically (sorted keys,
fixed separators, ASCII), so the same ballots give the same bytes every
time, whatever order they arrived in: results can be cached, compared
across sessions and traced back to their ballots.

Shape (alternatives are the profile's 0-based ids; names live in one list)::

    {
      "version": "1.0.1",                  # AGGREGATION_VERSION of the maths
      "alternatives": ["Mensgericht", ...],
      "profile": {"alternatives": n, "ballots": m, "unique_ballots": u,
                  "total_weight": W, "kind": "soc|soi|toc|toi"},
      "consensus": "borda",                # the first method: reference for the
                                           # distances and the bootstrap
      "methods": {
        "borda": {"ranking": [[0], [2, 1]], "scores": {"0": 12.5, ...},
                  "unique": true, "details": {...},
                  "positions": {"0": 1, ...},      # 1-based, ties share the best
                  "distance_to_consensus": {"mean", "q1", "median", "q3", "max"}},
        ...
      },
      "agreement": {"kendall_w", "chi_square", "degrees_of_freedom", "p_value",
                    "mean_pairwise_distance"},
      "top_k": 3,
      "items": [{"id": 0, "name": "...", "mean_rank", "median_rank", "q1_rank",
                 "q3_rank", "iqr", "top_k_share", "first_place",
                 "first_place_share", "polarisation"}, ...],
      "pairwise": {"counts": [[...]],            # P[a][b]: weight preferring a to b
                   "support": [[...]],           # P / W (diagonal null)
                   "strict_support": [[...]]},   # P / (P + P^T), null if undefined
      "bootstrap": null | {"method", "samples", "seed", "top_k", "draws",
                           "items": [{"id", "place", "keeps_place", "in_top_k",
                                      "position_low", "position_high"}, ...]}
    }

Undefined statistics (for example Kendall's W when every ballot ties every
item) are ``null``. The statistics are explained in ``agreement.py`` and
``bootstrap.py``; method details in each method's module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .agreement import agreement, kendall_tau_distances, weighted_quantiles
from .bootstrap import BOOTSTRAP_METHODS, bootstrap_stability
from .kemeny import DEFAULT_TIME_LIMIT
from .methods import aggregate
from .profile import Profile, WeakOrder
from .result import MethodResult

__all__ = ["DEFAULT_METHODS", "DIGITS", "analyse", "jsonable", "to_json"]

#: Methods ``analyse`` runs when none are named, in display order.
DEFAULT_METHODS: tuple[str, ...] = ("borda", "kemeny", "schulze", "copeland", "ranked-pairs")
#: Decimals kept for every float: enough for any display, few enough that the
#: last bits of floating-point summation order never reach the JSON.
DIGITS = 6

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]


def jsonable(value: Any, digits: int = DIGITS) -> JSONValue:
    """Turn results into plain JSON data, deterministically.

    NumPy scalars and arrays become Python numbers and lists, tuples and sets
    become lists (sets sorted), mapping keys become strings, floats are
    rounded to ``digits`` decimals (``-0.0`` becomes ``0.0``) and ``nan`` or
    infinities become ``None``.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        if not math.isfinite(x):
            return None
        rounded = round(x, digits)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), digits)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item, digits) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return [jsonable(item, digits) for item in sorted(value)]
    if isinstance(value, Iterable):
        return [jsonable(item, digits) for item in value]
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def to_json(obj: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, ASCII only, no ``NaN``.

    ``obj`` is passed through ``jsonable`` first, so results can be given as is.
    """
    return json.dumps(
        jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def _positions(n: int, ranking: WeakOrder) -> dict[str, int]:
    """1-based competition position of every alternative ("1, 2, 2, 4")."""
    out: dict[str, int] = {}
    placed = 0
    for tier in ranking:
        for a in tier:
            out[str(a)] = placed + 1
        placed += len(tier)
    for a in range(n):
        out.setdefault(str(a), placed + 1)
    return out


def _method_block(profile: Profile, result: MethodResult) -> dict[str, Any]:
    """One method's ranking, scores and details, with how far voters are from it."""
    summary: dict[str, float] | None = None
    if profile.m and profile.total_weight > 0:
        distances = kendall_tau_distances(profile, result.ranking)
        q1, median, q3 = weighted_quantiles(distances, profile.weights)
        summary = {
            "mean": float(profile.weights @ distances) / profile.total_weight,
            "q1": float(q1),
            "median": float(median),
            "q3": float(q3),
            "max": float(distances.max()),
        }
    return {
        "ranking": [sorted(tier) for tier in result.ranking],
        "scores": {str(a): result.scores[a] for a in sorted(result.scores)},
        "unique": bool(result.unique),
        "details": dict(result.details),
        "positions": _positions(profile.n, result.ranking),
        "distance_to_consensus": summary,
    }


def analyse(
    profile: Profile,
    methods: Sequence[str] = DEFAULT_METHODS,
    bootstrap_samples: int = 0,
    seed: int = 0,
    top_k: int = 3,
    *,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    bootstrap_method: str | None = None,
) -> dict[str, Any]:
    """Analyse ``profile`` and return the JSON-ready dictionary described above.

    ``methods`` are keys of ``methods.METHODS``, run in the given order; the
    first is the consensus the voter distances and the bootstrap refer to.
    ``bootstrap_samples`` > 0 adds the bootstrap block (seeded by ``seed``,
    recomputing the first method if it is Borda or Kemeny, otherwise Borda,
    unless ``bootstrap_method`` says otherwise). ``options`` passes keyword
    arguments per method, e.g. ``{"kemeny": {"time_limit": 5}}``.

    Identical ballots are merged first (canonical order), which is what makes
    the output independent of the order the ballots came in.
    """
    # read at call time: the package's __init__ imports this module first
    from . import AGGREGATION_VERSION

    if not methods:
        raise ValueError("name at least one method")
    if len(set(methods)) != len(methods):
        raise ValueError("a method is named twice")
    options = options or {}
    merged = profile.compressed()
    n = merged.n

    results = {name: aggregate(merged, name, **dict(options.get(name, {}))) for name in methods}
    consensus = methods[0]
    stats = agreement(merged, top_k=top_k)
    items = stats.items
    total = merged.total_weight

    report: dict[str, Any] = {
        "version": AGGREGATION_VERSION,
        "alternatives": list(merged.alternatives),
        "profile": {
            "alternatives": n,
            "ballots": profile.m,
            "unique_ballots": merged.m,
            "total_weight": total,
            "kind": merged.kind(),
        },
        "consensus": consensus,
        "methods": {name: _method_block(merged, result) for name, result in results.items()},
        "agreement": {
            "kendall_w": stats.kendall.w,
            "chi_square": stats.kendall.chi_square,
            "degrees_of_freedom": stats.kendall.degrees_of_freedom,
            "p_value": stats.kendall.p_value,
            "mean_pairwise_distance": stats.mean_pairwise_distance,
        },
        "top_k": top_k,
        "items": [
            {
                "id": a,
                "name": merged.alternatives[a],
                "mean_rank": items.mean_rank[a],
                "median_rank": items.median_rank[a],
                "q1_rank": items.q1_rank[a],
                "q3_rank": items.q3_rank[a],
                "iqr": items.iqr[a],
                "top_k_share": items.top_k_share[a],
                "first_place": items.first_place[a],
                "first_place_share": items.first_place[a] / total if total > 0 else math.nan,
                "polarisation": items.polarisation[a],
            }
            for a in range(n)
        ],
        "pairwise": {
            "counts": merged.pairwise,
            "support": stats.support,
            "strict_support": stats.strict_support,
        },
        "bootstrap": None,
    }

    if bootstrap_samples > 0 and merged.m > 0:
        method = bootstrap_method or (consensus if consensus in BOOTSTRAP_METHODS else "borda")
        reference = results[method].ranking if method in results else None
        borda_options = options.get("borda", {})
        kemeny_options = options.get("kemeny", {})
        boot = bootstrap_stability(
            merged,
            samples=bootstrap_samples,
            seed=seed,
            top_k=top_k,
            method=method,
            reference=reference,
            draws=_draws(profile),
            partial=borda_options.get("partial", "average"),
            kemeny_time_limit=kemeny_options.get("time_limit", DEFAULT_TIME_LIMIT),
        )
        report["bootstrap"] = {
            "method": boot.method,
            "samples": boot.samples,
            "seed": boot.seed,
            "top_k": boot.top_k,
            "draws": boot.draws,
            "items": [
                {
                    "id": a,
                    "place": boot.place[a],
                    "keeps_place": boot.keeps_place[a],
                    "in_top_k": boot.in_top_k[a],
                    "position_low": boot.position_low[a],
                    "position_high": boot.position_high[a],
                }
                for a in range(n)
            ],
        }
    result = jsonable(report)
    assert isinstance(result, dict)
    return result


def _draws(profile: Profile) -> int:
    """Voters per resample, decided on the original ballots (see ``bootstrap``)."""
    weights = profile.weights
    if np.all(np.abs(weights - np.rint(weights)) <= 1e-9):
        return int(round(profile.total_weight))
    return profile.m
