"""Rank aggregation for Ranking The Principles: pure maths, no Flask or SQLAlchemy.

Profiles of weighted weak orders (``Profile``), consensus methods
(``aggregate(profile, "kemeny")`` and the ``METHODS`` registry), agreement and
bootstrap statistics, PrefLib I/O, and ``analyse``, the one JSON-ready report
the web app stores and shows. See each module for the rules it documents.

The all-in-one ``agreement.agreement`` function is not re-exported, so that
``from hhu_ranking.aggregation import agreement`` keeps meaning the module.

``AGGREGATION_VERSION`` names the behaviour of the maths: it goes into every
report so that a stored result says which rules produced it. Bump it whenever
a change can alter a ranking, a score or a statistic of the same ballots.
"""

from __future__ import annotations

from .agreement import (
    Agreement,
    ItemStatistics,
    KendallW,
    item_statistics,
    kendall_tau_distances,
    kendall_w,
    mean_pairwise_distance,
    pairwise_support,
)
from .bootstrap import BootstrapResult, bootstrap_stability
from .methods import METHODS, aggregate
from .preflib import (
    PrefLibData,
    PrefLibError,
    PrefLibMetadata,
    format_preflib,
    parse_preflib,
    read_preflib,
    write_preflib,
)
from .profile import Ballot, Profile, ProfileError, WeakOrder
from .report import analyse, to_json
from .result import MethodResult

#: Version of the aggregation rules, recorded in every report.
AGGREGATION_VERSION = "1.0.1"

__all__ = [
    "AGGREGATION_VERSION",
    "METHODS",
    "Agreement",
    "Ballot",
    "BootstrapResult",
    "ItemStatistics",
    "KendallW",
    "MethodResult",
    "PrefLibData",
    "PrefLibError",
    "PrefLibMetadata",
    "Profile",
    "ProfileError",
    "WeakOrder",
    "aggregate",
    "analyse",
    "bootstrap_stability",
    "format_preflib",
    "item_statistics",
    "kendall_tau_distances",
    "kendall_w",
    "mean_pairwise_distance",
    "pairwise_support",
    "parse_preflib",
    "read_preflib",
    "to_json",
    "write_preflib",
]
