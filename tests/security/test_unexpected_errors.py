"""An unexpected error never shows a traceback; a busy database is a 503 with Retry-After."""

from __future__ import annotations

import sqlite3

import pytest
from factories import parse_html
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hhu_ranking.errors import RETRY_AFTER_SECONDS


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


@pytest.fixture
def failing(app, monkeypatch):
    """Make the home page raise the given exception."""

    def fail_with(error: Exception) -> None:
        def boom() -> str:
            raise error

        monkeypatch.setitem(app.view_functions, "main.index", boom)

    return fail_with


def test_an_unexpected_error_is_a_plain_500_page_and_is_logged(client, failing, caplog):
    failing(RuntimeError("geheim detail"))
    response = client.get("/")
    assert response.status_code == 500
    assert "Er ging bij ons iets mis." in _text(response)
    assert "geheim detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("unexpected error on GET /" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked")),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    ],
)
def test_a_busy_database_is_a_503_with_retry_after(client, failing, error):
    failing(error)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Het is nu erg druk." in _text(response)


def test_the_api_answers_an_unexpected_error_in_json(app, client, monkeypatch):
    def boom() -> str:
        raise RuntimeError("geheim detail")

    monkeypatch.setitem(app.view_functions, "api.openapi", boom)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 500
    assert response.is_json
    assert "geheim detail" not in response.get_data(as_text=True)
