"""Configuration from the environment; no secret written in the code."""

from __future__ import annotations

from hhu_ranking.config import build_config, normalise_database_url


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build_config(tmp_path)["SECRET_KEY"]
    second = build_config(tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = tmp_path / "elsewhere"
    assert build_config(other)["SECRET_KEY"] != first


def test_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/hhu")
    config = build_config(tmp_path)
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/hhu"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = build_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'hhu_ranking.db'}"


def test_normalise_keeps_explicit_drivers():
    assert normalise_database_url("postgresql+psycopg://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_retention_days_default_to_30_and_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert build_config(tmp_path)["RETENTION_DAYS"] == 30
    monkeypatch.setenv("RETENTION_DAYS", "14")
    assert build_config(tmp_path)["RETENTION_DAYS"] == 14
