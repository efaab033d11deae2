"""Journal entries as rows: the JSON layout a durable store writes and reads back.

A row is ``(kind, time, state, path, body)``; ``body`` is a JSON list of the
entry's fields after ``(kind, time)`` with values encoded by `fsmnb.engine.codecs`
and effect paths as plain lists. Durable runs add the run's data to the journal,
which is what makes the journal the single source of truth:

- ``started`` carries the whole start data (as in memory);
- ``transition`` and ``finished`` carry one more field, a *data diff*: the keys
  whose value changed since the previous diff (``{"set": {...}, "del": [...]}``),
  or None when nothing changed. Decoded entries keep it as their last field
  (an entry without it, as a run kept in memory journals it, says nothing of the data).

Data is compared by its JSON text, so changes made in place by plain Python
(``ctx.data["items"].append(x)``) are captured like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any

from fsmnb.engine.codecs import decode, dumps, encode
from fsmnb.engine.handlers import format_path
from fsmnb.engine.journal import STORED_KIND, Entry, Transition, from_compact
from fsmnb.errors import SerializationError

__all__ = (
    "DIFF_KINDS",
    "Row",
    "apply_diff",
    "decode_row",
    "diff_json",
    "encode_data",
    "encode_entry",
    "encode_transition",
    "encode_value",
)

Row = tuple[str, float, str | None, str | None, str]

_PATH_KINDS = frozenset(("effect_finished", "effect_failed", "effect_retry"))
_STORED_PATH_KINDS = frozenset(("effect", "effect_failed", "retry"))
#: kinds that carry a data diff in durable journals (stored names)
DIFF_KINDS = frozenset(("transition", "finished"))


_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_str = encode_basestring


def encode_data(data: Mapping[str, Any]) -> dict[str, str]:
    """Each value of `data` as JSON text, keyed by its (string) key."""
    return {key: encode_value(key, value) for key, value in data.items()}


def encode_value(key: Any, value: Any) -> str:
    """The JSON text of the value of run data `key`.

    Raises:
        SerializationError: the key is not a string, or the value has no codec
            (its ``trail`` starts with `key`).
    """
    if key.__class__ is not str:
        raise SerializationError(
            f"Run data keys must be strings; found the {type(key).__name__} key `{key!r}`. "
            f"Use a string key (e.g. `str({key!r})`)."
        )
    cls = value.__class__
    if cls is str:  # the common scalars, written as `dumps` writes them, without its machinery
        return _str(value)
    if cls is int:
        return int.__repr__(value)
    if cls is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    try:
        return dumps(value)
    except SerializationError as error:
        error.trail.insert(0, key)  # type: ignore[attr-defined]
        raise


def diff_json(changed: Iterable[tuple[str, str]], removed: Iterable[str]) -> str:
    """The JSON text of a data diff from pre-encoded values (no value is encoded twice)."""
    pairs = ",".join(f"{_str(k)}:{text}" for k, text in changed)
    gone = ",".join(_str(k) for k in removed)
    return f'{{"set":{{{pairs}}},"del":[{gone}]}}'


def apply_diff(data: dict[str, Any], diff: Mapping[str, Any] | None) -> dict[str, Any]:
    """Apply a decoded data diff to `data` in place and return it."""
    if diff:
        data.update(diff["set"])
        for key in diff["del"]:
            data.pop(key, None)
    return data


def encode_entry(
    entry: Entry, *, data: Mapping[str, str] | None = None, diff: str | None = None
) -> Row:
    """One journal entry as a row (its kind in the stored vocabulary, see `fsmnb.engine.journal`).

    Args:
        entry: the typed entry, as the run journals it.
        data: for ``run_started``: the start data, pre-encoded by `encode_data`.
        diff: for ``transition``/``run_finished``: the data diff's JSON text (None: no change).

    Raises:
        SerializationError: a value in the entry has no codec.
    """
    kind = entry.kind
    t = entry.time
    fields: tuple[Any, ...] = entry[1:]
    state: str | None = None
    path: str | None = None
    if kind in _PATH_KINDS:
        state, raw_path = fields[0], fields[1]
        path = format_path(raw_path)
        body = _json([state, list(raw_path), *[encode(f) for f in fields[2:]]])
    elif kind == "run_started":
        state = fields[2]
        pairs = ",".join(f"{_str(k)}:{v}" for k, v in (data or {}).items())
        body = f"[{_str(fields[0])},{{{pairs}}},{_str(state)}]"
    elif kind == "transition":
        state = fields[2]
        payload = "null" if fields[3] is None else _json(encode(fields[3]))
        body = (
            f"[{_str(fields[0])},{_str(fields[1])},{_str(fields[2])},{payload},"
            f"{_str(fields[4])},{diff or 'null'}]"
        )
    elif kind == "run_finished":
        status, state, error = fields[0], fields[1], fields[2]
        body = (
            f"[{_str(status)},{_str(state)},{'null' if error is None else _str(error)},"
            f"{diff or 'null'}]"
        )
    else:
        state = fields[0] if fields and isinstance(fields[0], str) else None
        body = dumps(list(fields))
    return STORED_KIND[kind], t, state, path, body


def encode_transition(entry: Transition, diff: str | None) -> Row:
    """A `Transition` as a row (what `encode_entry` writes, on the hot path of durable runs)."""
    payload = entry.payload
    body = (
        f"[{_str(entry.source)},{_str(entry.event)},{_str(entry.target)},"
        f"{'null' if payload is None else _json(encode(payload))},{_str(entry.origin)},"
        f"{diff or 'null'}]"
    )
    return "transition", entry.time, entry.target, None, body


def decode_row(kind: str, t: float, body: str) -> Entry:
    """The typed entry a row holds (durable extras such as data diffs fill their fields)."""
    fields = json.loads(body)
    if kind in _STORED_PATH_KINDS:
        row = (kind, t, fields[0], tuple(fields[1]), *[decode(f) for f in fields[2:]])
    elif kind == "started":
        row = (kind, t, fields[0], decode(fields[1]) or None, fields[2])
    elif kind == "transition":
        payload = decode(fields[3])
        extra = (decode(fields[5]),) if len(fields) > 5 else ()
        row = (kind, t, fields[0], fields[1], fields[2], payload, fields[4], *extra)
    elif kind == "finished":
        extra = (decode(fields[3]),) if len(fields) > 3 else ()
        row = (kind, t, fields[0], fields[1], fields[2], *extra)
    else:
        row = (kind, t, *[decode(f) for f in fields])
    return from_compact(row)
