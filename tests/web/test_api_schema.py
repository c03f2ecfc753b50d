"""The API's responses go through the models its OpenAPI document is generated from."""

from __future__ import annotations

import re

from sqlalchemy import text

from hhu_ranking import api_schema
from hhu_ranking.extensions import db
from hhu_ranking.views import api

from .export_helpers import KERNGROEP, voted_session


def _token(runner, make_user) -> str:
    make_user(**KERNGROEP)
    result = runner.invoke(args=["create-api-token", "--user", KERNGROEP["email"]])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_serialising_through_the_models_changes_no_byte(app, client, runner, make_user, login):
    token = _token(runner, make_user)
    voted = voted_session(app, anonymous=False, names=["Anna", "Bram", "Carla", "Dirk"])
    voted_session(app, ranking_session_id=voted["session_id"], round_title="Nog open", close=False)
    login(**{**KERNGROEP, "email": "kern2@hhu.test"})
    with app.app_context():
        item_id = voted["item_ids"][0]
        from hhu_ranking.models import Coalition, Phase

        coalition_id = db.session.scalar(db.select(Coalition.id).limit(1))
        phase_id = db.session.scalar(db.select(Phase.id).limit(1))
    adopted = client.post(
        f"/agenda/overnemen/{voted['outcome_id']}/{item_id}",
        data={
            "coalition_id": coalition_id,
            "phase_id": phase_id,
            "year": 2030,
            "owner": "Trekker",
            "status": "proposed",
            "note": "",
        },
    )
    assert adopted.status_code == 302
    with app.app_context():
        entry_id = db.session.scalar(text("SELECT id FROM agenda_entry"))
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
