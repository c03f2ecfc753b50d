"""The shapes of the JSON API's responses, and the OpenAPI 3.1 document built from them.

Each response of ``views.api`` is serialised through one of these pydantic
models (``serialise``), and ``openapi_document`` takes the same models'
JSON Schemas (2020-12, as OpenAPI 3.1 uses) as its components: there is no
second, hand-written copy of a shape to drift. Every object is closed
(``extra="forbid"``): a key the API sends but does not document fails
loudly in the tests instead of going unnoticed.

The stored result of an outcome is sent verbatim (it is exactly what was
frozen and can be verified); ``OutcomeResult`` and the models under it only
describe it.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema, models_json_schema

API_VERSION = "1.0.0"
SCHEMA_REF = "#/components/schemas/{model}"


def _iso(value: datetime) -> str:
    return value.isoformat()


#: a moment as ISO 8601 with its offset (``UTCDateTime`` columns are aware UTC)
Moment = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
#: the frozen result document, passed on untouched (see ``OutcomeResult``)
Verbatim = Annotated[dict[str, Any], WithJsonSchema({"x-ref": "OutcomeResult"})]
RoundState = Literal["draft", "open", "closed"]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Shape):
    code: str
    message: str


class Error(Shape):
    error: ErrorBody


class OutcomeRef(Shape):
    """One frozen outcome of a round (a new version each time the round closes)."""

    id: int
    version_number: int = Field(ge=1)
    frozen_at: Moment
    ballot_count: int = Field(ge=0)


class SessionSummary(Shape):
    id: int
    title: str
    held_on: date
    kind: str = Field(description="werksessie, alv, netwerkbijeenkomst, ...")
    coalition: str | None
    round_count: int


class RoundSummary(Shape):
    id: int
    session_id: int
    position: int
    title: str
    state: RoundState
    mode: Literal["full", "top_k"]
    top_k: int | None
    anonymous: bool = Field(description="When true, outcomes never carry participants' names.")
    item_count: int
    ballot_count: int = Field(description="Ballots cast so far (live).")
    opened_at: Moment | None
    closed_at: Moment | None
    outcomes: list[OutcomeRef]


class Session(SessionSummary):
    rounds: list[RoundSummary]


class RoundItem(Shape):
    id: int
    position: int
    title: str
    explanation: str
    catalogue_item_id: int | None


class Round(RoundSummary):
    items: list[RoundItem]


class OutcomeListItem(OutcomeRef):
    round_id: int
    round_title: str
    session_id: int
    session_title: str
    held_on: date


class ExportBallot(Shape):
    number: int = Field(ge=1, description="Sequential per outcome; not a participant id.")
    organisation: str
    pillar: str = Field(
        description="The voter's pillar; 'overig' (or 'other') where fewer voters of the "
        "outcome than the privacy floor share it, empty for none."
    )
    name: str | SkipJsonSchema[None] = Field(
        default=None, description="Only when the round is not anonymous."
    )
    via: Literal["phone", "file"]
    ranking: list[int] = Field(description="Round item ids, best first (a top-k ballot lists k).")


class MethodResult(Shape):
    ranking: list[list[int]] = Field(
        description="Tiers of round item ids, best first; a tier holds ties."
    )
    scores: dict[str, float | None] = Field(
        description="Score per round item id (as a string key)."
    )
    unique: bool
    mean_distance: float | None


class Agreement(Shape):
    kendall_w: float | None
    chi_square: float | None
    degrees_of_freedom: int | None
    p_value: float | None
    mean_pairwise_tau: float | None
    top_k: int | None


class NoAgreement(Shape):
    """No agreement statistics (fewer than two ballots)."""


class FrozenRoundItem(Shape):
    id: int
    title: str
    explanation: str
    catalogue_item_id: int | None


class OutcomeResult(BaseModel):
    """The stored result of the outcome, verbatim."""

    model_config = ConfigDict(extra="allow")

    format: int
    items: list[FrozenRoundItem]
    ballot_count: int
    parameters: dict[str, Any]
    analysis: dict[str, Any] | None = Field(
        description="The aggregation report, verbatim (alternatives numbered 0..n-1 in item order)."
    )
    methods: dict[str, MethodResult]
    agreement: Agreement | NoAgreement
    item_stats: dict[str, dict[str, Any]]


class OutcomeRound(Shape):
    id: int
    title: str
    mode: str
    top_k: int | None
    anonymous: bool
    state: RoundState


class OutcomeSession(Shape):
    id: int
    title: str
    held_on: date


class GroupDivergence(Shape):
    item_id: int = Field(description="The item the group places furthest from the room.")
    place: int | None
    overall: int | None
    gap: int = Field(ge=0)


class BreakdownGroup(Shape):
    kind: Literal["pillar", "tier"]
    key: str = Field(description="The pillar's key (praktijk, ...) or the tier (founder, ...).")
    name: str
    voters: int = Field(ge=3, description="Never fewer than the privacy floor.")
    places: dict[str, int] = Field(description="The group's Borda place per round item id.")
    divergence: GroupDivergence


class Breakdown(Shape):
    method: Literal["borda"]
    min_voters: int = Field(
        ge=3, description="The privacy floor: groups with fewer voters are left out entirely."
    )
    overall: dict[str, int] = Field(description="The room's Borda place per round item id.")
    groups: list[BreakdownGroup] = Field(description="Largest divergence from the room first.")


class Outcome(Shape):
    format: Literal["hhu-ranking-export/1"]
    outcome_id: int
    round: OutcomeRound
    session: OutcomeSession
    version_number: int
    frozen_at: Moment
    ballot_count: int
    weighting: str
    primary_method: str
    aggregation_version: str
    ballots_digest: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="SHA-256 of the canonical ballots (checked on the server by flask "
        "verify-outcomes).",
    )
    ballots: list[ExportBallot]
    result: Verbatim
    breakdown: Breakdown | None = Field(
        description="Each pillar's and tier's order beside the room's, from the frozen "
        "ballots; null without ballots."
    )


class Provenance(Shape):
    """Where the entry came from, copied when it was adopted."""

    session_title: str
    held_on: date
    round_title: str
    outcome_id: int | None
    outcome_version: int
    rank: int
    item_count: int
    method: str
    ballot_count: int
    kendall_w: float | None


class AgendaChange(Shape):
    changed_at: Moment
    user_name: str
    field: str
    old_value: str | None
    new_value: str | None


class AgendaEntry(Shape):
    id: int
    coalition: str
    coalition_key: str
    position: int = Field(ge=1, description="Priority, 1 = first.")
    title: str
    explanation: str
    phase: str
    year: int
    owner: str
    status: Literal["proposed", "adopted", "in_progress", "done"]
    note: str
    updated_at: Moment
    source: Provenance
    changes: list[AgendaChange] | SkipJsonSchema[None] = None


class SessionList(Shape):
    sessions: list[SessionSummary]


class OutcomeList(Shape):
    outcomes: list[OutcomeListItem]


class AgendaList(Shape):
    entries: list[AgendaEntry]


#: every model that is a component of the document
MODELS: tuple[type[BaseModel], ...] = (
    Error,
    SessionList,
    Session,
    Round,
    OutcomeList,
    Outcome,
    OutcomeResult,
    AgendaList,
    AgendaEntry,
)


def serialise(model: type[BaseModel], document: dict[str, Any]) -> dict[str, Any]:
    """``document`` checked against ``model`` and turned into JSON-ready data.

    A key the model does not know, or a value of the wrong type, raises: the
    API never sends what its document does not describe. Optional keys the
    document left out stay out.
    """
    return model.model_validate(document).model_dump(mode="json", exclude_unset=True)


def _finish(schema: Any) -> Any:
    """Drop pydantic's generated ``title`` annotations (a property named ``title`` stays),
    and turn the ``x-ref`` placeholders (pydantic checks a literal ``$ref``) into refs."""
    if isinstance(schema, dict):
        if set(schema) == {"x-ref"}:
            return {"$ref": SCHEMA_REF.format(model=schema["x-ref"])}
        return {
            key: _finish(value)
            for key, value in schema.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [_finish(value) for value in schema]
    return schema


@cache
def component_schemas() -> dict[str, Any]:
    """The JSON Schemas of ``MODELS`` and everything they use, by model name."""
    _refs, top = models_json_schema(
        [(model, "serialization") for model in MODELS], ref_template=SCHEMA_REF
    )
    schemas: dict[str, Any] = _finish(top.get("$defs", {}))
    return schemas


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _ok(model: type[BaseModel] | None, description: str) -> dict[str, Any]:
    schema = _ref(model) if model is not None else {"type": "object"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _get(
    summary: str,
    model: type[BaseModel] | None,
    *,
    parameters: list[dict[str, Any]] | None = None,
    not_found: bool = False,
    public: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _ok(model, "OK")}
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


def _one(summary: str, model: type[BaseModel], id_name: str) -> dict[str, Any]:
    """A GET of one thing by its id in the path: 404 when there is no such thing."""
    path_id = {"name": id_name, "in": "path", "required": True, "schema": {"type": "integer"}}
    return _get(summary, model, parameters=[path_id], not_found=True)


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
            "/openapi.json": _get("This document", None, public=True),
            "/sessions": _get("All sessions, newest first", SessionList),
            "/sessions/{session_id}": _one("A session with its rounds", Session, "session_id"),
            "/rounds/{round_id}": _one(
                "A round with its items and outcome versions", Round, "round_id"
            ),
            "/outcomes": _get("Every frozen outcome, newest session first", OutcomeList),
            "/outcomes/{outcome_id}": _one(
                "One frozen outcome: the result and the anonymised ballots", Outcome, "outcome_id"
            ),
            "/agenda": _get(
                "The coalition agenda in priority order",
                AgendaList,
                parameters=[
                    {
                        "name": "coalition",
                        "in": "query",
                        "required": False,
                        "description": "Only this coalition (its key, e.g. "
                        "'wijkgerichte-preventie').",
                        "schema": {"type": "string"},
                    }
                ],
                not_found=True,
            ),
            "/agenda/{entry_id}": _one(
                "One agenda entry with its change log", AgendaEntry, "entry_id"
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
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": _ref(Error)}},
                },
                "NotFound": {
                    "description": "No such resource.",
                    "content": {"application/json": {"schema": _ref(Error)}},
                },
            },
            "schemas": component_schemas(),
        },
    }
