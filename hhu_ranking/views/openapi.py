"""The OpenAPI 3.1 document of the read-only JSON API, written by hand.

Schemas use JSON Schema 2020-12 (as OpenAPI 3.1 does): a nullable value is
``"type": ["string", "null"]``. ``tests/web/test_api.py`` checks that every
route under ``/api/v1`` is described here and that real responses match
their schemas.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(
    properties: dict[str, Any],
    required: list[str] | None = None,
    *,
    closed: bool = True,
    description: str | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def _nullable(type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": [type_, "null"], **extra}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}

OUTCOME_REF = {
    "id": INTEGER,
    "version_number": {"type": "integer", "minimum": 1},
    "frozen_at": DATETIME,
    "ballot_count": {"type": "integer", "minimum": 0},
}
SESSION_SUMMARY = {
    "id": INTEGER,
    "title": STRING,
    "held_on": DATE,
    "kind": {"type": "string", "description": "werksessie, alv, netwerkbijeenkomst, ..."},
    "coalition": _nullable("string"),
    "round_count": INTEGER,
}
ROUND_SUMMARY = {
    "id": INTEGER,
    "session_id": INTEGER,
    "position": INTEGER,
    "title": STRING,
    "state": {"type": "string", "enum": ["draft", "open", "closed"]},
    "mode": {"type": "string", "enum": ["full", "top_k"]},
    "top_k": _nullable("integer"),
    "anonymous": {
        "type": "boolean",
        "description": "When true, outcomes never carry participants' names.",
    },
    "item_count": INTEGER,
    "ballot_count": {"type": "integer", "description": "Ballots cast so far (live)."},
    "opened_at": _nullable("string", format="date-time"),
    "closed_at": _nullable("string", format="date-time"),
    "outcomes": {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeRef"}},
}

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "error": _obj({"code": STRING, "message": STRING}),
        }
    ),
    "OutcomeRef": _obj(
        OUTCOME_REF,
        description="One frozen outcome of a round (a new version each time the round closes).",
    ),
    "SessionSummary": _obj(SESSION_SUMMARY),
    "Session": _obj(
        {**SESSION_SUMMARY, "rounds": {"type": "array", "items": _ref("RoundSummary")}}
    ),
    "RoundSummary": _obj(ROUND_SUMMARY),
    "RoundItem": _obj(
        {
            "id": INTEGER,
            "position": INTEGER,
            "title": STRING,
            "explanation": STRING,
            "catalogue_item_id": _nullable("integer"),
        }
    ),
    "Round": _obj({**ROUND_SUMMARY, "items": {"type": "array", "items": _ref("RoundItem")}}),
    "OutcomeListItem": _obj(
        {
            **OUTCOME_REF,
            "round_id": INTEGER,
            "round_title": STRING,
            "session_id": INTEGER,
            "session_title": STRING,
            "held_on": DATE,
        }
    ),
    "ExportBallot": _obj(
        {
            "number": {
                "type": "integer",
                "minimum": 1,
                "description": "Sequential per outcome; not a participant id.",
            },
            "organisation": STRING,
            "pillar": STRING,
            "name": {"type": "string", "description": "Only when the round is not anonymous."},
            "via": {"type": "string", "enum": ["phone", "file"]},
            "ranking": {
                "type": "array",
                "items": INTEGER,
                "description": "Round item ids, best first (a top-k ballot lists k).",
            },
        },
        required=["number", "organisation", "pillar", "via", "ranking"],
    ),
    "MethodResult": _obj(
        {
            "ranking": {
                "type": "array",
                "items": {"type": "array", "items": INTEGER},
                "description": "Tiers of round item ids, best first; a tier holds ties.",
            },
            "scores": {
                "type": "object",
                "additionalProperties": _nullable("number"),
                "description": "Score per round item id (as a string key).",
            },
            "unique": BOOLEAN,
            "mean_distance": _nullable("number"),
        }
    ),
    "Agreement": _obj(
        {
            "kendall_w": _nullable("number"),
            "chi_square": _nullable("number"),
            "degrees_of_freedom": _nullable("integer"),
            "p_value": _nullable("number"),
            "mean_pairwise_tau": _nullable("number"),
            "top_k": _nullable("integer"),
        }
    ),
    "OutcomeResult": _obj(
        {
            "format": INTEGER,
            "items": {"type": "array", "items": _ref("RoundItem_Frozen")},
            "ballot_count": INTEGER,
            "parameters": {"type": "object"},
            "analysis": _nullable(
                "object",
                description="The aggregation report, verbatim "
                "(alternatives numbered 0..n-1 in item order).",
            ),
            "methods": {"type": "object", "additionalProperties": _ref("MethodResult")},
            "agreement": {"anyOf": [_ref("Agreement"), {"type": "object", "maxProperties": 0}]},
            "item_stats": {"type": "object", "additionalProperties": {"type": "object"}},
        },
        closed=False,
        description="The stored result of the outcome, verbatim.",
    ),
    "RoundItem_Frozen": _obj(
        {
            "id": INTEGER,
            "title": STRING,
            "explanation": STRING,
            "catalogue_item_id": _nullable("integer"),
        }
    ),
    "Outcome": _obj(
        {
            "format": {"type": "string", "const": "hhu-ranking-export/1"},
            "outcome_id": INTEGER,
            "round": _obj(
                {
                    "id": INTEGER,
                    "title": STRING,
                    "mode": STRING,
                    "top_k": _nullable("integer"),
                    "anonymous": BOOLEAN,
                    "state": {"type": "string", "enum": ["draft", "open", "closed"]},
                }
            ),
            "session": _obj({"id": INTEGER, "title": STRING, "held_on": DATE}),
            "version_number": INTEGER,
            "frozen_at": DATETIME,
            "ballot_count": INTEGER,
            "weighting": STRING,
            "primary_method": STRING,
            "aggregation_version": STRING,
            "ballots_digest": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$",
                "description": "SHA-256 of the canonical ballots (checked on the "
                "server by flask verify-outcomes).",
            },
            "ballots": {"type": "array", "items": _ref("ExportBallot")},
            "result": _ref("OutcomeResult"),
        }
    ),
    "Provenance": _obj(
        {
            "session_title": STRING,
            "held_on": DATE,
            "round_title": STRING,
            "outcome_id": _nullable("integer"),
            "outcome_version": INTEGER,
            "rank": INTEGER,
            "item_count": INTEGER,
            "method": STRING,
            "ballot_count": INTEGER,
            "kendall_w": _nullable("number"),
        },
        description="Where the entry came from, copied when it was adopted.",
    ),
    "AgendaChange": _obj(
        {
            "changed_at": DATETIME,
            "user_name": STRING,
            "field": STRING,
            "old_value": _nullable("string"),
            "new_value": _nullable("string"),
        }
    ),
    "AgendaEntry": _obj(
        {
            "id": INTEGER,
            "coalition": STRING,
            "coalition_key": STRING,
            "position": {"type": "integer", "minimum": 1, "description": "Priority, 1 = first."},
            "title": STRING,
            "explanation": STRING,
            "phase": STRING,
            "year": INTEGER,
            "owner": STRING,
            "status": {"type": "string", "enum": ["proposed", "adopted", "in_progress", "done"]},
            "note": STRING,
            "updated_at": DATETIME,
            "source": _ref("Provenance"),
            "changes": {"type": "array", "items": _ref("AgendaChange")},
        },
        required=[
            "id",
            "coalition",
            "coalition_key",
            "position",
            "title",
            "explanation",
            "phase",
            "year",
            "owner",
            "status",
            "note",
            "updated_at",
            "source",
        ],
    ),
}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _get(
    summary: str,
    schema: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    not_found: bool = False,
    public: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _ok(schema, "OK")}
    if not public:
        responses["401"] = {"$ref": "#/components/responses/Unauthorized"}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if public:
        operation["security"] = []
    return {"get": operation}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": INTEGER}


def _list(key: str, item: str) -> dict[str, Any]:
    return _obj({key: {"type": "array", "items": _ref(item)}})


def openapi_document(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with ``server_url`` (``.../api/v1``) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ranking The Principles: read-only API",
            "version": API_VERSION,
            "description": (
                "Sessions, rounds, frozen outcomes and the coalition agenda of Health Hub "
                "Utrecht's Ranking The Principles, for the kerngroep's own tools. Read only. "
                "Every endpoint except this document needs a bearer token, made on the server "
                "with `flask create-api-token --user EMAIL`. Participant tokens are never "
                "exposed; ballots are numbered, with organisation and pillar, and names only "
                "for rounds that are not anonymous."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/openapi.json": _get("This document", {"type": "object"}, public=True),
            "/sessions": _get("All sessions, newest first", _list("sessions", "SessionSummary")),
            "/sessions/{session_id}": _get(
                "A session with its rounds",
                _ref("Session"),
                parameters=[_id("session_id")],
                not_found=True,
            ),
            "/rounds/{round_id}": _get(
                "A round with its items and outcome versions",
                _ref("Round"),
                parameters=[_id("round_id")],
                not_found=True,
            ),
            "/outcomes": _get(
                "Every frozen outcome, newest session first", _list("outcomes", "OutcomeListItem")
            ),
            "/outcomes/{outcome_id}": _get(
                "One frozen outcome: the result and the anonymised ballots",
                _ref("Outcome"),
                parameters=[_id("outcome_id")],
                not_found=True,
            ),
            "/agenda": _get(
                "The coalition agenda in priority order",
                _list("entries", "AgendaEntry"),
                parameters=[
                    {
                        "name": "coalition",
                        "in": "query",
                        "required": False,
                        "description": "Only this coalition (its key, e.g. "
                        "'wijkgerichte-preventie').",
                        "schema": STRING,
                    }
                ],
                not_found=True,
            ),
            "/agenda/{entry_id}": _get(
                "One agenda entry with its change log",
                _ref("AgendaEntry"),
                parameters=[_id("entry_id")],
                not_found=True,
            ),
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask create-api-token`.",
                },
            },
            "responses": {
                "Unauthorized": {
                    "description": "No token, or a token that is unknown or revoked.",
                    "headers": {"WWW-Authenticate": {"schema": STRING}},
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
                "NotFound": {
                    "description": "No such resource.",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
            "schemas": SCHEMAS,
        },
    }
