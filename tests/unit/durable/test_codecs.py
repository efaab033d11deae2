"""Codecs: every supported type survives the journal; anything else is a clear error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import pandas as pd
import pydantic
import pytest

from fsmnb.engine import register_codec
from fsmnb.engine.codecs import decode, dumps, encode, loads
from fsmnb.errors import SerializationError


class Order(pydantic.BaseModel):
    id: int
    placed: dt.datetime


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    tags: tuple[str, ...]


class Colour(enum.Enum):
    RED = "red"


VALUES: list[Any] = [
    None, True, 3, 2.5, "text", [1, [2]], {"a": {"b": 1}},
    (1, (2, "x")), {1: "int key"}, {"__t": "a key that looks like a tag"},
    {1, 2}, frozenset({"a"}), b"\x00\xff", bytearray(b"ab"),
    dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC), dt.date(2024, 1, 2), dt.time(3, 4),
    dt.timedelta(seconds=90), Decimal("1.10"), uuid.UUID(int=7), PurePath("a/b"),
    Order(id=1, placed=dt.datetime(2024, 1, 1)), Point(1, ("a",)), Colour.RED,
    pd.Timestamp("2024-01-01T10:00"),
]  # fmt: skip


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trip_keeps_value_and_type(value: Any) -> None:
    back = loads(dumps(value))
    assert back == value
    assert type(back) is type(value)


def test_plain_json_is_stored_as_is() -> None:
    assert encode({"a": [1, "x", None, 2.5]}) == {"a": [1, "x", None, 2.5]}


def test_dataframe_and_series_keep_dtypes_and_index() -> None:
    frame = pd.DataFrame(
        {"n": [1, 2], "s": ["x", "y"], "t": pd.to_datetime(["2024-01-01", "2024-01-02"])},
        index=["r1", "r2"],
    )
    pd.testing.assert_frame_equal(loads(dumps(frame)), frame)
    series = pd.Series([1.5, 2.5], name="price")
    pd.testing.assert_series_equal(loads(dumps(series)), series)


def test_numpy_scalars_become_python_numbers() -> None:
    import numpy as np

    assert loads(dumps({"n": np.int64(3), "f": np.float64(0.5)})) == {"n": 3, "f": 0.5}
    assert loads(dumps(np.arange(3))).tolist() == [0, 1, 2]


def test_llm_reply_keeps_usage_and_cost() -> None:
    from fsmnb.llm.types import LLMReply, Usage

    reply = LLMReply("136", model="scripted:math", usage=Usage(12, 3), cost=0.002)
    data = encode(reply)
    assert data["__t"] == "llm_reply"
    back = decode(data)
    assert isinstance(back, LLMReply)
    assert (back, back.usage, back.cost, back.model) == ("136", Usage(12, 3), 0.002, reply.model)


def test_registered_codec_is_used() -> None:
    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    register_codec(Money, tag="test.money", encode=lambda m: m.cents, decode=Money)
    back = loads(dumps({"price": Money(250)}))
    assert isinstance(back["price"], Money) and back["price"].cents == 250


def test_unknown_type_names_type_place_and_fix() -> None:
    class Socket:
        pass

    with pytest.raises(SerializationError) as caught:
        encode({"conn": [1, Socket()]})
    message = str(caught.value)
    assert "Socket`" in message and "register_codec" in message
    assert caught.value.trail == ["conn", 1]  # type: ignore[attr-defined]
    assert isinstance(caught.value, TypeError)


def test_class_not_loaded_decodes_to_its_plain_data() -> None:
    data = {"__t": "dataclass", "cls": "not_a_module_here:Thing", "v": {"x": 1}}
    assert decode(data) == {"x": 1}
