"""Class 19: the kept signing key is written atomically and never read empty; under
gunicorn the app refuses to start without a key it can keep."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from hhu_ranking import config
from hhu_ranking.config import SecretKeyError, build_config


def _key_of(instance: str) -> str:
    return config._instance_secret(Path(instance))


def test_processes_starting_at_once_all_get_the_same_whole_key(tmp_path):
    instance = tmp_path / "instance"
    with multiprocessing.get_context("fork").Pool(6) as pool:
        keys = pool.map(_key_of, [str(instance)] * 24)
    assert len(set(keys)) == 1 and len(keys[0]) >= 60
    assert (instance / "secret_key").read_text() == keys[0]
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no partial files left


def test_the_key_file_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    seen: list[str] = []
    real_link = os.link

    def watching_link(source, target, *args, **kwargs):
        # the moment the key becomes visible, the file it comes from is already complete
        seen.append(Path(source).read_text())
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(config.os, "link", watching_link)
    key = config._instance_secret(instance)
    assert seen == [key]
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damaged", ["", "\n", "kort"])
def test_an_empty_or_cut_short_key_file_is_replaced(tmp_path, damaged):
    (tmp_path / "secret_key").write_text(damaged)
    key = config._instance_secret(tmp_path)
    assert len(key) >= 60
    assert (tmp_path / "secret_key").read_text() == key
    assert config._instance_secret(tmp_path) == key


def _unwritable(tmp_path: Path) -> Path:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    return blocker / "instance"


def test_under_gunicorn_no_keepable_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", sys)
    with pytest.raises(SecretKeyError, match="set SECRET_KEY"):
        build_config(_unwritable(tmp_path))


def test_under_gunicorn_an_environment_key_is_enough(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", sys)
    assert build_config(_unwritable(tmp_path))["SECRET_KEY"] == "x" * 64


def test_outside_gunicorn_a_key_for_this_process_is_used_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delitem(sys.modules, "gunicorn.arbiter", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    with pytest.warns(RuntimeWarning, match="this process only"):
        key = build_config(_unwritable(tmp_path))["SECRET_KEY"]
    assert len(key) >= 60
