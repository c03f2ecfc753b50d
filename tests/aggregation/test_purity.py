"""The maths package can be used without the web app's or the tests' dependencies."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import hhu_ranking.aggregation as aggregation

#: the web stack, and test tools: pref_voting (numba start-up) and preflibtools (GPL)
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "pref_voting", "preflibtools", "numba")


def test_the_maths_imports_no_web_framework_and_no_test_tool() -> None:
    """Neither written anywhere in the package (also not inside a function), nor pulled in
    when every module of it is imported in a fresh interpreter."""
    package = Path(aggregation.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, (module.name, name)

    modules = [f"hhu_ranking.aggregation.{m.name}" for m in pkgutil.iter_modules([str(package)])]
    assert "hhu_ranking.aggregation.cli" in modules
    code = (
        f"import sys, hhu_ranking.aggregation, {', '.join(modules)}; "
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
