"""What crosses to another process: cloudpickle, and an error naming what does not pickle.

Workflows, run data and callables sent to a Dask worker or a process pool are
pickled with cloudpickle (functions defined in a notebook travel by value).
`check_picklable` runs before anything is submitted: when something does not
pickle it walks the object (attributes, slots, mappings, sequences) to name
the innermost parts that fail, so the message says `states['load'].action`
rather than "cannot pickle the workflow".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fsmnb.errors import MissingExtraError, SerializationError

__all__ = ("check_picklable", "cloudpickle_module", "dumps", "loads")

_MAX_DEPTH = 6
_MAX_OFFENDERS = 5


def cloudpickle_module() -> Any:
    """The `cloudpickle` module, or a `MissingExtraError` naming the extra."""
    try:
        import cloudpickle
    except ImportError:
        raise MissingExtraError("Running in other processes", "dask", "cloudpickle") from None
    return cloudpickle


def dumps(obj: Any) -> bytes:
    """`obj` as bytes, by cloudpickle (the protocol every worker can read)."""
    data: bytes = cloudpickle_module().dumps(obj)
    return data


def loads(data: bytes) -> Any:
    """The object pickled by `dumps` (plain `pickle` reads cloudpickle's output)."""
    import pickle

    return pickle.loads(data)


def check_picklable(obj: Any, name: str, *, root: str = "", fix: str = "") -> bytes:
    """Pickle `obj` and return the bytes, or raise naming every part that does not pickle.

    Args:
        obj: what is about to be sent to another process.
        name: how to call it in the message (e.g. ``"Workflow `orders`"``).
        root: how to write `obj` itself in the path of an offender (``"wf"``).
        fix: a sentence appended to the message.

    Raises:
        SerializationError: `obj` does not pickle; the message names the
            innermost offending attributes and their errors.
    """
    try:
        return dumps(obj)
    except Exception as error:
        offenders = _offenders(obj, "", 0) or [("", error)]
        parts = "; ".join(
            f"`{root}{path}` ({type(e).__name__}: {e})" for path, e in offenders[:_MAX_OFFENDERS]
        )
        raise SerializationError(
            f"{name} cannot be sent to another process: {parts}. "
            + (
                fix
                or "Define functions at module level or in a notebook cell (not as closures "
                "over locks, sockets, open files or clients), and keep such resources out of run data."
            )
        ) from error


def _offenders(obj: Any, path: str, depth: int) -> list[tuple[str, BaseException]]:
    """The innermost parts of `obj` that do not pickle, with their errors."""
    found: list[tuple[str, BaseException]] = []
    if depth < _MAX_DEPTH:
        for child_path, child in _children(obj, path):
            try:
                dumps(child)
            except Exception as error:
                found.extend(_offenders(child, child_path, depth + 1) or [(child_path, error)])
            if len(found) >= _MAX_OFFENDERS:
                break
    return found


def _children(obj: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(obj, str | bytes | int | float | bool | type(None)):
        return []
    if isinstance(obj, Mapping):
        return [(f"{path}[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, list | tuple | set | frozenset):
        return [(f"{path}[{i}]", v) for i, v in enumerate(obj)]
    code = getattr(obj, "__code__", None)
    if code is not None:  # a function pickled by value takes its cells and the globals it reads
        cells = zip(code.co_freevars, getattr(obj, "__closure__", None) or (), strict=False)
        used = getattr(obj, "__globals__", {})
        return [(f"{path}.<closure {n}>", c.cell_contents) for n, c in cells] + [
            (f"{path}.<global {n}>", used[n]) for n in code.co_names if n in used
        ]
    fields: dict[str, Any] = {}
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if hasattr(obj, slot):
                fields[slot] = getattr(obj, slot)
    fields.update(getattr(obj, "__dict__", {}) or {})
    return [(f"{path}.{k}", v) for k, v in fields.items()]
