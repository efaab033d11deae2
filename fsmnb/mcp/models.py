"""The pydantic models of tool results: clients get their JSON schemas and structured content.

Tool *inputs* are the tools' keyword parameters (annotated with strict types and
`Field` descriptions); the SDK turns each signature into a pydantic model, so
inputs are validated at the edge the same way.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = (
    "AgentResult",
    "Analytics",
    "BatchItem",
    "BatchResult",
    "Diagram",
    "EffectRecord",
    "EventResult",
    "Metrics",
    "PipelineResult",
    "RunInfo",
    "StreamResult",
    "StreamedEvent",
    "TemplateInfo",
    "WorkflowCreated",
    "WorkflowInfo",
    "WorkflowList",
)

# Keywords that constrain only instances of one JSON type: `{"type": T, ...these}` or null is
# exactly `{"type": [T, "null"], ...these}`.
_TYPED_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    }
)


def _compact(schema: Any) -> Any:
    """The same JSON schema with fewer subschemas (each costs a client ~0.2 ms to compile).

    The SDK client checks every result schema against the 2020-12 metaschema on a tool's
    first call, at a cost per subschema; pydantic spells `X | None` as
    `anyOf: [X, {type: null}]` (three subschemas) and `dict[str, Any]` with
    `additionalProperties: true` (one more, which allows nothing new). Both are rewritten to
    their exact one-subschema equivalents; nothing else changes.
    """
    if isinstance(schema, list):
        return [_compact(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: (v if k in ("required", "enum", "const", "default", "examples") else _compact(v))
        for k, v in schema.items()
        if not (k == "additionalProperties" and v is True)
    }
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        other = branches[1 - branches.index({"type": "null"})]
        if (
            isinstance(other, dict)
            and isinstance(other.get("type"), str)
            and other.keys() <= _TYPED_KEYWORDS
            and not other.keys() & out.keys()
        ):
            del out["anyOf"]
            out.update(other, type=[other["type"], "null"])
    return out


def _compact_model_schema(schema: dict[str, Any]) -> None:
    compacted = _compact(schema)
    schema.clear()
    schema.update(compacted)


_MODEL = ConfigDict(extra="forbid", json_schema_extra=_compact_model_schema)


class RunInfo(BaseModel):
    """One run as a client sees it."""

    model_config = _MODEL
    run_id: str
    workflow: str
    state: str
    status: Literal["running", "waiting", "done", "failed", "cancelled"]
    allowed_events: list[str] = Field(description="Events `send_event` accepts now.")
    uri: str = Field(description="The run's resource URI; subscribe to it for updates.")
    data: dict[str, Any] | None = Field(default=None, description="The run's data (JSON-safe).")
    visits: dict[str, int] | None = None
    error: str | None = None
    history: list[dict[str, Any]] | None = Field(
        default=None, description="The journal: one entry per transition, effect and log line."
    )


class EventResult(BaseModel):
    """What an event did to a run."""

    model_config = _MODEL
    run_id: str
    event: str
    previous_state: str
    state: str = Field(description="The state the event led to (or the state after waiting).")
    status: str
    allowed_events: list[str]


class BatchItem(BaseModel):
    """The outcome of one event of a batch."""

    model_config = _MODEL
    run_id: str
    event: str
    ok: bool
    state: str | None = None
    error: str | None = None
    allowed_events: list[str] | None = None


class BatchResult(BaseModel):
    """The outcome of `batch_send_events`, one item per event in order."""

    model_config = _MODEL
    sent: int
    refused: int
    results: list[BatchItem]


class Metrics(BaseModel):
    """Counts for the calling tenant."""

    model_config = _MODEL
    instances: int
    by_status: dict[str, int]
    by_workflow: dict[str, int]
    by_state: dict[str, int]
    events_sent: int = Field(description="Events accepted through this server for this tenant.")
    events_refused: int
    tool_calls: dict[str, int] = Field(description="Tool calls by name, for this tenant.")
    tool_errors: int
    stored_bytes: int = Field(
        default=0, description="JSON bytes of data, payloads and specs you stored (your quota)."
    )


class WorkflowInfo(BaseModel):
    """A workflow a client may instantiate."""

    model_config = _MODEL
    name: str
    source: Literal["served", "spec", "template"]
    description: str = ""
    tags: list[str] = []
    version: str = "1"
    initial: str
    states: list[str]
    finals: list[str]
    events: list[str]
    uri: str


class TemplateInfo(BaseModel):
    """A template `create_ai_workflow` can build from."""

    model_config = _MODEL
    name: str
    description: str
    config_schema: dict[str, Any]


class WorkflowList(BaseModel):
    """The workflows and templates visible to the calling tenant."""

    model_config = _MODEL
    workflows: list[WorkflowInfo]
    templates: list[TemplateInfo]


class Diagram(BaseModel):
    """A workflow's state diagram."""

    model_config = _MODEL
    workflow: str
    mermaid: str | None = None
    svg: str | None = None
    current: str | None = Field(default=None, description="The highlighted state, for a run.")
    note: str | None = None


class WorkflowCreated(BaseModel):
    """A workflow built from a template, and its first run."""

    model_config = _MODEL
    workflow: str
    template: str
    run_id: str | None
    initial_state: str
    states: list[str]
    available_events: list[str]
    estimated_duration_seconds: float | None
    uri: str


class EffectRecord(BaseModel):
    """One leaf effect a pipeline carried out."""

    model_config = _MODEL
    path: str
    effect: str
    ok: bool
    duration_ms: float
    result: Any = None
    error: str | None = None


class PipelineResult(BaseModel):
    """The result of `execute_effect_pipeline`."""

    model_config = _MODEL
    result: Any = None
    data: dict[str, Any]
    emitted: str | None = Field(default=None, description="The event an `emit` effect raised.")
    effects: list[EffectRecord]


class StreamedEvent(BaseModel):
    """One telemetry event of a run, as streamed to a client."""

    model_config = _MODEL
    kind: str
    run_id: str
    state: str
    name: str = ""
    path: str = ""
    duration_ms: float | None = None
    data: dict[str, Any] = {}
    time: float


class StreamResult(BaseModel):
    """What `stream_fsm_events` saw (each event was also sent as a progress notification)."""

    model_config = _MODEL
    run_id: str
    uri: str
    events: list[StreamedEvent]
    stopped_because: Literal["idle", "done", "max_events", "timeout"]
    state: str
    status: str


class AgentResult(BaseModel):
    """What the agents layer answered."""

    model_config = _MODEL
    agent_id: str | None = None
    result: Any = None


class Analytics(BaseModel):
    """Aggregates over the calling tenant's runs of a workflow (or over one run)."""

    model_config = _MODEL
    workflow: str | None
    runs: int
    by_status: dict[str, int]
    success_rate: float | None
    mean_duration_seconds: float | None
    transitions: int
    events_rejected: int
    state_visits: dict[str, int]
    mean_seconds_in_state: dict[str, float]
    effects: dict[str, dict[str, float]] = Field(
        description="Per effect label: count, failures, mean_ms, max_ms."
    )
    since: float | None = None
    source: str = Field(description="Where the figures come from.")
    engine: dict[str, Any] | None = Field(
        default=None, description="The engine's summary from the durable store, when there is one."
    )
