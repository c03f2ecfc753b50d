"""``bench/load.py``, the festival hall of issue 8, in miniature: a dozen phones join, vote
and revise under gunicorn as the README serves it, on the suite's database engine, and the
round closes while two projectors watch.

Not a measurement (no time is asserted: the machines are shared): the benchmark anyone can
run must keep working as the pages change, and every acknowledged ballot must be in the
database exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
PHONES = 12


@pytest.mark.parametrize("long_poll_seconds", ["0", "25"], ids=["polled", "long-polled"])
def test_a_small_hall_under_gunicorn_counts_every_acknowledged_ballot_once(
    database_url: str | None,  # on PostgreSQL: skipped with its reason when no server answers
    long_poll_seconds: str,
) -> None:
    command = [
        sys.executable,
        "bench/load.py",
        f"--phones={PHONES}",
        "--join-seconds=1",
        "--think",
        "0.2",
        "0.6",
        f"--db={'sqlite' if database_url is None else 'postgresql'}",
        f"--pg-url={POSTGRES_URL}",
        "--workers=2",
    ]
    env = {**os.environ, "LONG_POLL_SECONDS": long_poll_seconds}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    figures = dict(part.split("=", 1) for part in last.split() if "=" in part)
    assert figures.get("phones") == str(PHONES), output
    assert figures["acknowledged"] == figures["counted"] == str(PHONES), output
    assert (figures["lost"], figures["duplicated"], figures["errors"]) == ("0", "0", "0"), output
    details = next(line for line in run.stdout.splitlines() if line.startswith("# db="))
    assert "close_samples=0" not in details, "no phone saw the round close"
