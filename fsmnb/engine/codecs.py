"""Codecs: run data and effect results as JSON, without losing their types.

`encode(value)` turns a value into plain JSON (dicts with string keys, lists,
strings, numbers, booleans, None); `decode` turns it back. Plain JSON passes
through untouched; everything else is tagged with a ``"__t"`` key:

| value                                   | kept as                                 |
| --------------------------------------- | --------------------------------------- |
| tuple, set, frozenset, dict with non-str keys | its items, tagged with the container type |
| datetime, date, time, timedelta, Decimal, UUID, Path | its ISO/str form                 |
| bytes, bytearray                        | base64                                  |
| pydantic model                          | ``model_dump(mode="json")`` + its class |
| dataclass                               | its fields (encoded) + its class        |
| enum member                             | its value + its class                   |
| pandas DataFrame / Series / Timestamp   | columns, index and dtypes / ISO text    |
| numpy scalar / array                    | the Python number / a nested list + dtype |
| anything registered with `register_codec` | what its encoder returns (the LLM layer registers `LLMReply`) |

Classes are recorded as ``module:qualname`` and are only looked up in modules
that are already imported, so decoding a journal never imports code named by it.
A value no codec handles raises `SerializationError` naming its type and the fix;
nothing is ever stored as a silent `repr`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import json
import sys
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from fsmnb.errors import SerializationError

__all__ = ("decode", "dumps", "encode", "loads", "register_codec")

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]

#: exact type (or "module.qualname") -> (tag, encoder); tag -> decoder
_ENCODERS: dict[type | str, tuple[str, Encoder]] = {}
_DECODERS: dict[str, Decoder] = {}
_PLAIN = (str, int, float, bool, type(None))


def register_codec(cls: type | str, *, tag: str, encode: Encoder, decode: Decoder) -> None:
    """Teach the journal a type: `encode(value)` returns JSON-able data, `decode` rebuilds it.

    Args:
        cls: the class, or its ``"module.QualName"`` (to register without importing it).
        tag: a short unique name stored with each value.
        encode: value -> plain JSON (it may contain values other codecs handle).
        decode: what `encode` returned (already decoded) -> the value.
    """
    _ENCODERS[cls] = (tag, encode)
    _DECODERS[tag] = decode


def class_path(cls: type) -> str:
    """``module:qualname`` of `cls`."""
    return f"{cls.__module__}:{cls.__qualname__}"


def find_class(path: str) -> type | None:
    """The class named by `class_path`, if its module is already imported (never imports)."""
    module_name, _, qualname = path.partition(":")
    target: Any = sys.modules.get(module_name)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target if isinstance(target, type) else None


def encode(value: Any) -> Any:
    """`value` as plain JSON data (see the module docstring); raises `SerializationError`."""
    cls = value.__class__
    if cls in _PLAIN:
        return value
    if cls is list:
        return [_item(v, i) for i, v in enumerate(value)]
    if cls is dict:
        if "__t" not in value and all(k.__class__ is str for k in value):
            return {k: _item(v, k) for k, v in value.items()}
        return {"__t": "dict", "v": [[encode(k), _item(v, k)] for k, v in value.items()]}
    if cls is tuple:
        return {"__t": "tuple", "v": [_item(v, i) for i, v in enumerate(value)]}
    return _encode_other(value, cls)


def _item(value: Any, key: Any) -> Any:
    try:
        return encode(value)
    except SerializationError as error:
        error.trail.insert(0, key)  # type: ignore[attr-defined]
        raise


def _encode_other(value: Any, cls: type) -> Any:
    codec = _ENCODERS.get(cls) or _ENCODERS.get(f"{cls.__module__}.{cls.__qualname__}")
    if codec is not None:
        return {"__t": codec[0], "v": encode(codec[1](value))}
    module = cls.__module__.partition(".")[0]
    if module == "numpy":
        if hasattr(value, "tolist") and hasattr(value, "ndim") and value.ndim:
            return {"__t": "ndarray", "dtype": str(value.dtype), "v": encode(value.tolist())}
        if hasattr(value, "item"):
            return encode(value.item())
    if module == "pandas":
        return _encode_pandas(value, cls)
    if isinstance(value, Mapping):
        return encode(dict(value))
    if isinstance(value, enum.Enum):
        return {"__t": "enum", "cls": class_path(cls), "v": encode(value.value)}
    if hasattr(cls, "model_dump") and hasattr(cls, "model_validate"):
        return {"__t": "pydantic", "cls": class_path(cls), "v": value.model_dump(mode="json")}
    if dataclasses.is_dataclass(value):
        fields = {f.name: _item(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
        return {"__t": "dataclass", "cls": class_path(cls), "v": fields}
    for base in cls.__mro__[1:]:
        codec = _ENCODERS.get(base)
        if codec is not None:
            return {"__t": codec[0], "v": encode(codec[1](value))}
    for plain in (str, int, float):  # a subclass of a JSON type keeps its plain value
        if isinstance(value, plain):
            return plain(value)
    error = SerializationError(
        f"The journal cannot store a `{cls.__qualname__}` (`{class_path(cls)}`): it is not JSON "
        f"and no codec handles it. Keep JSON-able values (dicts, lists, strings, numbers), "
        f"pydantic models or dataclasses in run data and effect results, or register a codec: "
        f"`fsmnb.engine.register_codec({cls.__qualname__}, tag=..., encode=..., decode=...)`."
    )
    error.trail = []  # type: ignore[attr-defined]
    raise error


def _encode_pandas(value: Any, cls: type) -> Any:
    name = cls.__name__
    if name == "DataFrame":
        columns = list(value.columns)
        return {
            "__t": "pandas.DataFrame",
            "v": {
                "columns": encode(columns),
                "index": encode(value.index.tolist()),
                "dtypes": [str(t) for t in value.dtypes],
                "data": [encode(value[c].tolist()) for c in columns],
            },
        }
    if name == "Series":
        return {
            "__t": "pandas.Series",
            "v": {
                "name": encode(value.name),
                "index": encode(value.index.tolist()),
                "dtype": str(value.dtype),
                "data": encode(value.tolist()),
            },
        }
    if name in ("Timestamp", "Timedelta"):
        return {"__t": f"pandas.{name}", "v": value.isoformat()}
    raise SerializationError(
        f"The journal cannot store a pandas `{name}`; convert it (e.g. to a DataFrame, a list or "
        f"a string) or register a codec with `fsmnb.engine.register_codec`."
    )


def decode(data: Any) -> Any:
    """Rebuild the value `encode` turned into `data`."""
    cls = data.__class__
    if cls is list:
        return [decode(v) for v in data]
    if cls is dict:
        tag = data.get("__t")
        if tag is None:
            return {k: decode(v) for k, v in data.items()}
        return _decode_tagged(tag, data)
    return data


def _decode_tagged(tag: str, data: dict[str, Any]) -> Any:
    raw = data.get("v")
    builtin = _BUILTIN_DECODERS.get(tag)
    if builtin is not None:
        return builtin(raw)
    if tag in _DECODERS:
        return _DECODERS[tag](decode(raw))
    cls = find_class(data.get("cls", ""))
    if tag == "pydantic" and cls is not None:
        return cls.model_validate(raw)  # type: ignore[attr-defined]
    if tag == "dataclass" and cls is not None and isinstance(raw, dict):
        return cls(**{k: decode(v) for k, v in raw.items()})
    if tag == "enum" and cls is not None:
        return cls(decode(raw))
    if tag.startswith("pandas."):
        return _decode_pandas(tag, data)
    # The class is not loaded in this process: keep the plain data rather than fail.
    return decode(raw)


def _decode_pandas(tag: str, data: dict[str, Any]) -> Any:
    import pandas as pd

    raw = data["v"]
    if tag == "pandas.Timestamp":
        return pd.Timestamp(raw)
    if tag == "pandas.Timedelta":
        return pd.Timedelta(raw)
    index = decode(raw["index"])
    if tag == "pandas.Series":
        return pd.Series(decode(raw["data"]), index=index, name=decode(raw["name"])).astype(
            raw["dtype"]
        )
    columns = decode(raw["columns"])
    frame = pd.DataFrame(dict(zip(range(len(columns)), decode(raw["data"]), strict=True)))
    frame.index = pd.Index(index) if index else frame.index
    frame = frame.astype(dict(enumerate(raw["dtypes"])))
    frame.columns = pd.Index(columns)
    return frame


def _bytes(raw: str) -> bytes:
    return base64.b64decode(raw)


def _ndarray(raw: Any) -> Any:
    import numpy as np

    return np.asarray(decode(raw))


_BUILTIN_DECODERS: dict[str, Decoder] = {
    "tuple": lambda raw: tuple(decode(v) for v in raw),
    "dict": lambda raw: {decode(k): decode(v) for k, v in raw},
    "set": lambda raw: {decode(v) for v in raw},
    "frozenset": lambda raw: frozenset(decode(v) for v in raw),
    "bytes": _bytes,
    "bytearray": lambda raw: bytearray(_bytes(raw)),
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda raw: dt.timedelta(seconds=raw),
    "decimal": Decimal,
    "uuid": uuid.UUID,
    "path": PurePath,
    "ndarray": _ndarray,
}

for _cls, _tag, _fn in (
    (set, "set", lambda v: sorted(v, key=repr)),
    (frozenset, "frozenset", lambda v: sorted(v, key=repr)),
    (bytes, "bytes", lambda v: base64.b64encode(v).decode("ascii")),
    (bytearray, "bytearray", lambda v: base64.b64encode(bytes(v)).decode("ascii")),
    (dt.datetime, "datetime", dt.datetime.isoformat),
    (dt.date, "date", dt.date.isoformat),
    (dt.time, "time", dt.time.isoformat),
    (dt.timedelta, "timedelta", dt.timedelta.total_seconds),
    (Decimal, "decimal", str),
    (uuid.UUID, "uuid", str),
    (PurePath, "path", str),
):
    _ENCODERS[_cls] = (_tag, _fn)


_write_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """`value` encoded and written as compact JSON text."""
    return _write_json(encode(value))


def loads(text: str) -> Any:
    """The value `dumps` wrote."""
    return decode(json.loads(text))
