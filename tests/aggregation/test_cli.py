"""The ``hhu-ranking`` command line: JSON shape, PrefLib numbering, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hhu_ranking.aggregation.cli import main
from hhu_ranking.aggregation.methods import METHODS

THEMES = """\
# FILE NAME: themes.soc
# TITLE: Ranking The Principles: thema's
# DESCRIPTION:
# DATA TYPE: soc
# MODIFICATION TYPE: original
# RELATES TO:
# RELATED FILES:
# PUBLICATION DATE:
# MODIFICATION DATE:
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: 9
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: Wijkgerichte preventie
# ALTERNATIVE NAME 2: Digitale transformatie
# ALTERNATIVE NAME 3: Aantrekkelijke arbeidsmarkt
5: 1,3,2
3: 3,2,1
1: 2,1,3
"""


@pytest.fixture
def themes(tmp_path: Path) -> Path:
    path = tmp_path / "themes.soc"
    path.write_text(THEMES, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_kemeny_output(themes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "aggregate", str(themes), "--method", "kemeny")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert set(result) == {"method", "alternatives", "ranking", "scores", "unique", "agreement"}
    assert result["method"] == "kemeny"
    assert result["alternatives"] == {
        "1": "Wijkgerichte preventie",
        "2": "Digitale transformatie",
        "3": "Aantrekkelijke arbeidsmarkt",
    }
    # 1 beats 3 (6-3) and 2 (5-4); 3 beats 2 (8-1): the order 1, 3, 2 in PrefLib numbers
    assert result["ranking"] == [[1], [3], [2]]
    assert set(result["scores"]) == {"1", "2", "3"}
    assert result["unique"] is True
    agreement = result["agreement"]
    assert 0.0 <= agreement["kendall_w"] <= 1.0
    assert 0.0 <= agreement["p_value"] <= 1.0
    assert agreement["degrees_of_freedom"] == 2
    assert 0.0 <= agreement["distance_to_consensus"]["mean"] <= 1.0
    assert out.endswith("\n") and out.count("\n") == 1


def test_default_method_is_kemeny(themes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "aggregate", str(themes))
    assert code == 0
    assert json.loads(out)["method"] == "kemeny"


def test_all_methods(themes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "aggregate", str(themes), "--method", "all")
    assert code == 0
    result = json.loads(out)
    assert set(result) == set(METHODS)
    for method, block in result.items():
        assert block["method"] == method
        assert sorted(a for tier in block["ranking"] for a in tier) == [1, 2, 3]
        assert 1 in block["ranking"][0]  # the Condorcet winner (tied with 3 under Borda)


def test_output_is_deterministic(themes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "aggregate", str(themes), "--method", "all")[1]
    second = run(capsys, "aggregate", str(themes), "--method", "all")[1]
    assert first == second


def test_malformed_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.soc"
    path.write_text(THEMES.replace("3: 3,2,1", "3: 3,2,,1"), encoding="utf-8")
    code, out, err = run(capsys, "aggregate", str(path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("hhu-ranking: error: ")
    assert f"{path}: line 17:" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "aggregate", str(tmp_path / "nothing.soc"))
    assert code == 1 and out == ""
    assert "nothing.soc" in err and err.count("\n") == 1


def test_unknown_method_is_a_usage_error(themes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["aggregate", str(themes), "--method", "dictator"])
    assert caught.value.code == 2


def test_console_script_in_a_subprocess(themes: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "hhu_ranking.aggregation.cli", "aggregate", str(themes)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ranking"] == [[1], [3], [2]]
    broken = tmp_path / "broken.toi"
    broken.write_text("# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 1: a\n1: 2\n")
    done = subprocess.run([*command[:-1], str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "line 3: alternative 2 is not between 1 and 1" in done.stderr
