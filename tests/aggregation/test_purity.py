"""The maths package can be used without the web app's dependencies."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_package_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, hhu_ranking.aggregation, hhu_ranking.aggregation.report, "
        "hhu_ranking.aggregation.cli; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'pref_voting', 'preflibtools') "
        "if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
