"""``hhu-ranking``: aggregate a PrefLib file from the command line.

    hhu-ranking aggregate FILE [--method borda|kemeny|schulze|copeland|ranked-pairs|all]

prints one JSON object on stdout::

    {"method": "kemeny", "alternatives": {"1": "name", ...},
     "ranking": [[1], [2, 3], ...], "scores": {"1": 12.5, ...}, "unique": true,
     "agreement": {"kendall_w": 0.41, "p_value": ..., "chi_square": ...,
                   "degrees_of_freedom": ..., "mean_pairwise_distance": ...,
                   "distance_to_consensus": {"mean": ..., "median": ..., ...}}}

Alternatives are the file's PrefLib numbers (from 1), so the output can be
read next to the file. ``--method all`` prints an object keyed by method.
The JSON is canonical (sorted keys, no spaces) so outputs can be diffed.
Errors go to stderr as one line naming the file and line, with exit status 1
(2 for a wrong command line, as argparse does). It exists so that researchers
and the core group can check a result without the web app, and so that the
maths can be compared with other tools on PrefLib data.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .methods import METHODS
from .preflib import PrefLibError, read_preflib
from .report import analyse, to_json

__all__ = ["main"]

PROGRAM = "hhu-ranking"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Rank aggregation for Ranking The Principles."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    aggregate = commands.add_parser(
        "aggregate",
        help="aggregate the ballots of a PrefLib .soc/.soi/.toc/.toi file and print JSON",
        description="Aggregate a PrefLib file and print the consensus as JSON.",
    )
    aggregate.add_argument("file", metavar="FILE", help="a PrefLib .soc, .soi, .toc or .toi file")
    aggregate.add_argument(
        "--method",
        default="kemeny",
        choices=[*METHODS, "all"],
        help="consensus method (default: kemeny); 'all' runs every method",
    )
    aggregate.add_argument(
        "--top-k", type=int, default=3, help="size of the top group in the item statistics"
    )
    return parser


def _numbered(report: dict[str, Any], method: str) -> dict[str, Any]:
    """One method's result in PrefLib numbering (alternative ``a`` is ``a + 1``)."""
    block = report["methods"][method]
    return {
        "method": method,
        "alternatives": {str(a + 1): name for a, name in enumerate(report["alternatives"])},
        "ranking": [[a + 1 for a in tier] for tier in block["ranking"]],
        "scores": {str(int(a) + 1): score for a, score in block["scores"].items()},
        "unique": block["unique"],
        "agreement": {
            **report["agreement"],
            "distance_to_consensus": block["distance_to_consensus"],
        },
    }


def _aggregate(arguments: argparse.Namespace) -> str:
    data = read_preflib(arguments.file)
    methods = list(METHODS) if arguments.method == "all" else [arguments.method]
    report = analyse(data.profile, methods=methods, top_k=arguments.top_k)
    if arguments.method == "all":
        return to_json({method: _numbered(report, method) for method in methods})
    return to_json(_numbered(report, arguments.method))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    arguments = _parser().parse_args(argv)
    try:
        output = _aggregate(arguments)
    except PrefLibError as error:
        message = f"{arguments.file}: {error}"
    except OSError as error:
        message = f"{arguments.file}: {error.strerror or error}"
    except ValueError as error:  # a profile the methods refuse, e.g. no ballots
        message = f"{arguments.file}: {error}"
    else:
        sys.stdout.write(output + "\n")
        return 0
    one_line = " ".join(message.split())
    sys.stderr.write(f"{PROGRAM}: error: {one_line}\n")
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
