"""`Signal`: a CloudEvents-shaped value (id, source, type, time, subject, data).

    s = Signal(type="order.created", source="shop", data={"order_id": "A1"})
    Signal.parse(request_body)   # at the edge: SignalError naming each bad field

Types are dotted names (``system.health.critical``) that routes match with
exact segments, ``*`` (one segment) and ``**`` (any number of segments).
The value is a frozen pydantic model in CloudEvents 1.0 attribute names, so
``model_dump(mode="json")`` is a structured-mode CloudEvent and `parse`
accepts one. Extension attributes (lower-case alphanumeric names) are kept.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fsmnb.errors import SignalError

__all__ = ("MAX_SIGNAL_BYTES", "Signal", "new_signal_id")

#: The largest signal `Signal.parse` accepts as JSON text (hostile input is bounded).
MAX_SIGNAL_BYTES = 1_000_000

_TYPE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,20}$")
_prefix = os.urandom(4).hex()
_counter = itertools.count(1)


def new_signal_id() -> str:
    """A process-unique signal id (a random prefix and a counter: cheap and ordered)."""
    return f"{_prefix}-{next(_counter)}"


def _now() -> datetime:
    return datetime.now(UTC)


class Signal(BaseModel):
    """A CloudEvents 1.0 event as a frozen value.

    Attributes:
        type: a dotted name such as ``order.created`` (routes match on it).
        source: who emitted it (a URI-reference: ``sensor:system_health``).
        data: the payload (any JSON value).
        id: unique per source (generated when left out).
        time: when it happened (now, UTC, when left out).
        subject: what it is about within the source (an order id, a file), optional.
        specversion: always ``1.0``.
        datacontenttype: ``application/json`` unless said otherwise.
    """

    model_config = ConfigDict(frozen=True, extra="allow", str_max_length=100_000)

    type: str = Field(min_length=1, max_length=256)
    source: str = Field(default="fsmnb", min_length=1, max_length=1024)
    data: Any = None
    id: str = Field(default_factory=new_signal_id, min_length=1, max_length=256)
    time: datetime = Field(default_factory=_now)
    subject: str | None = Field(default=None, max_length=1024)
    specversion: str = "1.0"
    datacontenttype: str | None = "application/json"

    @field_validator("type")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not _TYPE.match(value):
            raise ValueError(
                "a signal type is dotted segments of letters, digits, `_` or `-` "
                "(e.g. `order.created`); wildcards belong in routes, not in signals"
            )
        return value

    @field_validator("specversion")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "1.0":
            raise ValueError("only CloudEvents specversion `1.0` is supported")
        return value

    @classmethod
    def parse(cls, raw: str | bytes | dict[str, Any]) -> Signal:
        """Build a signal from a structured-mode CloudEvent (a dict or its JSON text).

        Raises:
            SignalError: not JSON, too large, not an object, or a field fails; every
                offending field is named with the fix.
        """
        if isinstance(raw, str | bytes):
            if len(raw) > MAX_SIGNAL_BYTES:
                raise SignalError(
                    f"A signal of {len(raw):,} bytes exceeds the {MAX_SIGNAL_BYTES:,}-byte limit; "
                    "send a reference to large data instead of the data."
                )
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError) as e:
                raise SignalError(f"A signal must be a JSON object: {e}.") from None
        if not isinstance(raw, dict):
            raise SignalError(
                f"A signal is a JSON object with `type` and `source`, got {type(raw).__name__}."
            )
        bad_ext = [k for k in raw if k not in cls.model_fields and not _EXTENSION.match(str(k))]
        problems = [
            f"`{k}`: an extension attribute name is 1-20 lower-case letters or digits"
            for k in bad_ext
        ]
        try:
            signal = cls.model_validate(raw)
        except ValidationError as e:
            problems += [_problem(err) for err in e.errors()]
            signal = None
        if problems or signal is None:
            raise SignalError(
                "Signal refused: " + "; ".join(problems) + ". Send a CloudEvents 1.0 object "
                'such as {"type": "order.created", "source": "shop", "data": {...}}.',
                problems=problems,
            )
        return signal

    def reply(self, type: str, data: Any = None, **attributes: Any) -> Signal:
        """A signal answering this one: same subject, `source` and a `causationid` extension."""
        return Signal(
            type=type,
            data=data,
            source=attributes.pop("source", self.source),
            subject=attributes.pop("subject", self.subject),
            causationid=self.id,
            **attributes,
        )

    def __repr__(self) -> str:
        return f"<Signal {self.type} id={self.id} source={self.source}>"


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "$"
    if err.get("type") == "missing":
        return f"`{where}` is required"
    return f"`{where}`: {err.get('msg', 'invalid')}"
