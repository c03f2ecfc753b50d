"""The API's responses go through the models its OpenAPI document is generated from."""

from __future__ import annotations

import re

from factories import KERNGROEP

from hhu_ranking import api_schema
from hhu_ranking.views import api

from .test_api import voted_and_adopted


def _token(runner, make_user) -> str:
    make_user(**KERNGROEP)
    result = runner.invoke(args=["create-api-token", "--user", KERNGROEP["email"]])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_serialising_through_the_models_changes_no_byte(app, client, runner, make_user, login):
    token = _token(runner, make_user)
    voted, entry_id = voted_and_adopted(app, client, login)
    paths = [
        "/sessions",
        f"/sessions/{voted['session_id']}",
        f"/rounds/{voted['round_id']}",
        "/outcomes",
        f"/outcomes/{voted['outcome_id']}",
        "/agenda",
        f"/agenda/{entry_id}",
        "/rounds/999",
    ]
    headers = {"Authorization": f"Bearer {token}"}

    through_models = [client.get(f"/api/v1{p}", headers=headers).data for p in paths]
    original = api.serialise
    try:
        api.serialise = lambda shape, document: document  # what the views built, as it was
        as_built = [client.get(f"/api/v1{p}", headers=headers).data for p in paths]
    finally:
        api.serialise = original
    assert through_models == as_built


def test_the_document_takes_its_schemas_from_the_models(client):
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    for model in api_schema.MODELS:
        assert model.__name__ in schemas
    assert schemas["OutcomeRef"]["additionalProperties"] is False
    assert set(schemas["RoundSummary"]["required"]) == set(api_schema.RoundSummary.model_fields)
    # an optional key is neither required nor nullable
    assert "name" not in schemas["ExportBallot"]["required"]
    assert schemas["ExportBallot"]["properties"]["name"]["type"] == "string"
    assert "changes" not in schemas["AgendaEntry"]["required"]
    # pydantic's titles are left out; a property called "title" is not
    assert "title" not in schemas["Round"] and "title" in schemas["Round"]["properties"]
    refs = re.findall(r'"#/components/(\w+)/(\w+)"', client.get("/api/v1/openapi.json").text)
    assert refs and all(name in document["components"][kind] for kind, name in refs)
