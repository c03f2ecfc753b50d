"""The read-only JSON API: bearer tokens (stored hashed), 401s, the OpenAPI document.

Responses are checked against the schemas of the OpenAPI document itself with
the jsonschema library.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from factories import KERNGROEP, adopt_form, voted_session
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from hhu_ranking.extensions import db
from hhu_ranking.models import ApiToken, Role, User
from hhu_ranking.services import api_tokens


def _make_token(app, runner, email="kern@hhu.test") -> str:
    result = runner.invoke(args=["create-api-token", "--user", email, "--name", "dashboard"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"hhu_[A-Za-z0-9_-]{43}", token)
    return token


@pytest.fixture
def token(app, runner, make_user):
    make_user(**KERNGROEP)
    return _make_token(app, runner)


def _get(client, path, token):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


# -- responses against the OpenAPI document's own schemas (JSON Schema 2020-12) -------------

#: formats checked beyond jsonschema's built-ins; a date-time must carry its zone
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_zoned_date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


def check(document: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """Validate ``value`` against ``schema``, whose ``#/components/...`` refs point into the
    OpenAPI ``document``."""
    root = {**schema, "components": document["components"]}
    Draft202012Validator(root, format_checker=FORMATS).validate(value)


def _response_schema(document, template: str, status: str = "200") -> dict[str, Any]:
    response = document["paths"][template]["get"]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response["content"]["application/json"]["schema"]


# -- tokens --------------------------------------------------------------------------------


def test_the_cli_prints_a_token_once_and_stores_only_its_hash(app, runner, make_user):
    make_user(**KERNGROEP)
    token = _make_token(app, runner)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.name == "dashboard"
        assert row.user.email == "kern@hhu.test"
        assert token not in row.token_hash and len(row.token_hash) == 64
        dump = "\n".join(str(v) for v in db.session.execute(text("SELECT * FROM api_token")).one())
        assert token not in dump
    listing = runner.invoke(args=["list-api-tokens"])
    assert "kern@hhu.test" in listing.output and token not in listing.output

    result = runner.invoke(args=["create-api-token", "--user", "niemand@hhu.test"])
    assert result.exit_code != 0
    assert "Er is geen account" in result.output


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer hhu_verzonnen",
        "Basic a2VybjpnZWhlaW0=",
        "Bearer " + "x" * 300,
    ],
)
def test_no_token_or_a_bad_one_gets_401(app, client, token, header):
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/sessions", "/outcomes", "/agenda", "/rounds/1"):
        response = client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["error"]["code"] == "unauthorized"


def test_a_revoked_token_or_an_inactive_account_gets_401(app, client, runner, token):
    assert _get(client, "/sessions", token).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert runner.invoke(args=["revoke-api-token", str(token_id)]).exit_code == 0
    response = _get(client, "/sessions", token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    second = _make_token(app, runner)
    assert _get(client, "/sessions", second).status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "kern@hhu.test"))
        user.active = False
        db.session.commit()
    assert _get(client, "/sessions", second).status_code == 401


def _last_used(app) -> datetime | None:
    with app.app_context():
        return db.session.scalar(select(ApiToken.last_used_at))


def test_reading_notes_only_the_day_a_token_was_last_used_once_a_day(
    app, client, runner, token, writes
):
    """What the kerngroep needs to tidy up tokens (the day each was last used), for at most
    one write per token per day: every other request only reads."""
    assert "nooit gebruikt" in runner.invoke(args=["list-api-tokens"]).output
    writes.clear()
    assert _get(client, "/sessions", token).status_code == 200
    assert [w.split()[:2] for w in writes] == [["UPDATE", "api_token"]]
    first = _last_used(app)
    assert first is not None

    writes.clear()
    for path in ("/sessions", "/outcomes", "/agenda"):
        assert _get(client, path, token).status_code == 200
    assert writes == [] and _last_used(app) == first
    listing = runner.invoke(args=["list-api-tokens"]).output
    assert f"\tactief\t{first.astimezone(UTC).date().isoformat()}\n" in listing

    with time_machine.travel(first + timedelta(days=1), tick=False):
        assert _get(client, "/sessions", token).status_code == 200
        assert _get(client, "/sessions", token).status_code == 200
    assert len(writes) == 1 and _last_used(app) == first + timedelta(days=1)


def test_a_database_too_busy_to_note_the_day_still_answers(app, client, token, monkeypatch):
    def busy(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("UPDATE api_token", {}, Exception("database is locked"))

    monkeypatch.setattr(api_tokens, "record_use", busy)
    response = _get(client, "/sessions", token)
    assert response.status_code == 200 and response.json["sessions"] == []
    assert _last_used(app) is None


def test_a_browser_login_is_not_enough(app, client, login):
    login()
    assert client.get("/api/v1/sessions").status_code == 401


def test_the_api_only_reads(app, client, token):
    response = client.post("/api/v1/sessions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405


# -- the document and the data -------------------------------------------------------------


def test_openapi_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")  # public, like any API description
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert document["servers"][0]["url"].endswith("/api/v1")
    described = set(document["paths"])
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == described
    for path, item in document["paths"].items():
        for parameter in re.findall(r"{(\w+)}", path):
            names = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"]
            assert parameter in names, path
    # every schema reference resolves
    refs = re.findall(r'"#/components/(\w+)/(\w+)"', response.get_data(as_text=True))
    for kind, name in refs:
        assert name in document["components"][kind], name


def _adopt(app, client, outcome_id, item_id):
    response = client.post(
        f"/agenda/overnemen/{outcome_id}/{item_id}",
        data=adopt_form(app, coalition="digitale-transformatie", owner="Trekker", note=""),
    )
    assert response.status_code == 302


def voted_and_adopted(app, client, login) -> tuple[dict[str, Any], int]:
    """A closed round with named ballots, an open one beside it, and its third item adopted."""
    voted = voted_session(app, anonymous=False, names=["Anna", "Bram", "Carla", "Dirk"])
    voted_session(app, ranking_session_id=voted["session_id"], round_title="Nog open", close=False)
    login(**{**KERNGROEP, "email": "kern2@hhu.test"})
    _adopt(app, client, voted["outcome_id"], voted["item_ids"][2])
    with app.app_context():
        entry_id = db.session.scalar(text("SELECT id FROM agenda_entry"))
    return voted, entry_id


def test_every_endpoint_answers_as_documented_and_never_shows_a_token(
    app, client, runner, login, token
):
    voted, entry_id = voted_and_adopted(app, client, login)
    document = client.get("/api/v1/openapi.json").json
    secrets = voted["tokens"] + voted["token_hashes"] + [token]
    with app.app_context():
        secrets.append(db.session.scalar(select(ApiToken.token_hash)))

    calls = {
        "/sessions": "/sessions",
        "/sessions/{session_id}": f"/sessions/{voted['session_id']}",
        "/rounds/{round_id}": f"/rounds/{voted['round_id']}",
        "/outcomes": "/outcomes",
        "/outcomes/{outcome_id}": f"/outcomes/{voted['outcome_id']}",
        "/agenda": "/agenda?coalition=digitale-transformatie",
        "/agenda/{entry_id}": f"/agenda/{entry_id}",
    }
    assert set(calls) | {"/openapi.json"} == set(document["paths"])
    bodies = {}
    for template, path in calls.items():
        response = _get(client, path, token)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store"
        check(document, _response_schema(document, template), response.json)
        body = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, (path, secret)
        bodies[template] = response.json

    session = bodies["/sessions/{session_id}"]
    assert [r["title"] for r in session["rounds"]] == ["Waarden", "Nog open"]
    assert [r["state"] for r in session["rounds"]] == ["closed", "open"]
    assert session["rounds"][0]["outcomes"][0]["id"] == voted["outcome_id"]
    assert session["rounds"][1]["ballot_count"] == 4
    assert [i["title"] for i in bodies["/rounds/{round_id}"]["items"]] == voted["items"]
    outcome = bodies["/outcomes/{outcome_id}"]
    assert [b["name"] for b in outcome["ballots"]] == ["Anna", "Bram", "Carla", "Dirk"]
    assert outcome["result"]["ballot_count"] == 4
    (entry,) = bodies["/agenda"]["entries"]
    assert entry["title"] == "Regiobreed" and entry["source"]["rank"] == 1
    assert entry["source"]["outcome_id"] == voted["outcome_id"]
    assert bodies["/agenda/{entry_id}"]["changes"][0]["field"] == "created"


def test_unknown_things_are_json_404s(app, client, token):
    for path in (
        "/sessions/999",
        "/rounds/999",
        "/outcomes/999",
        "/agenda/999",
        "/agenda?coalition=bestaat-niet",
    ):
        response = _get(client, path, token)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"
    document = client.get("/api/v1/openapi.json").json
    schema = _response_schema(document, "/rounds/{round_id}", "404")
    check(document, schema, _get(client, "/rounds/999", token).json)
    # the check can fail: a body of another shape does not pass
    with pytest.raises(ValidationError):
        check(document, schema, {"error": {"code": 404}})


def test_facilitators_may_have_tokens_too(app, runner, client, make_user):
    make_user(email="leider@hhu.test", role=Role.FACILITATOR)
    facilitator_token = _make_token(app, runner, "leider@hhu.test")
    assert _get(client, "/agenda", facilitator_token).status_code == 200
