"""Machines as JSON/YAML specs: pydantic models at the edge, exact round trips.

A spec is data and is never executed: loading one builds a `Machine` and
nothing else. Specs come from people, from files and from models, so loading
checks the structure (types, field names, name syntax, size limits) and turns
every failure into one `SpecError` whose message names each location, e.g.
"`transitions[2].target`: field required". With `validate=True` (the default)
the loaded machine is also checked by `fsmnb.fsm.validation`.

`from_json(to_json(machine)) == machine` for every machine whose names are
valid spec names (the same holds for YAML and dicts).

Example:
    >>> text = to_json(Machine.build("door", initial="shut", finals=["open"],
    ...                              transitions=[("shut", "push", "open")]))
    >>> from_json(text).next("shut", "push")
    'open'
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from fsmnb.errors import SpecError

try:  # libyaml's dumper and loader are 5-10x faster than the pure-Python ones. Its loader
    # crashes the process on deeply nested input, so `_check_shape` refuses deep nesting from
    # the raw text before any loader sees it.
    from yaml import CSafeDumper as _SafeDumper
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _SafeDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from fsmnb.fsm.machine import Machine, Transition
from fsmnb.fsm.validation import problems

__all__ = (
    "MAX_STATES",
    "MAX_TRANSITIONS",
    "MachineSpec",
    "StateSpec",
    "TransitionSpec",
    "from_dict",
    "from_json",
    "from_yaml",
    "machine_from_spec",
    "machine_to_spec",
    "to_dict",
    "to_json",
    "to_yaml",
)

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
MAX_NAME = 100
MAX_DESCRIPTION = 2_000
MAX_STATES = 1_000
MAX_TRANSITIONS = 10_000
MAX_TEXT = 2_000_000  # characters of JSON read at most (10,000 transitions take ~0.6 MB)
MAX_YAML = 100_000  # characters of YAML read at most: YAML parses 10-100x slower than JSON
MAX_NESTING = 32  # brackets open at once, or structure characters before a line's content
MAX_SHOWN = 50  # problems listed in one SpecError

Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN)]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class TransitionSpec(BaseModel):
    """An edge `source --event--> target`, taken only if the named guard passes."""

    model_config = _STRICT
    source: Name
    event: Name
    target: Name
    guard: Name | None = None


class StateSpec(BaseModel):
    """A state: its name, a one-line description, and whether a run ends there."""

    model_config = _STRICT
    name: Name
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    final: bool = False


class MachineSpec(BaseModel):
    """A whole machine as data: `MachineSpec.model_json_schema()` gives its JSON schema."""

    model_config = _STRICT
    name: Name
    initial: Name
    states: list[StateSpec] = Field(max_length=MAX_STATES)
    transitions: list[TransitionSpec] = Field(max_length=MAX_TRANSITIONS)
    version: Annotated[int, Field(ge=1, le=1, description="The spec format; only 1 exists.")] = 1


def machine_to_spec(machine: Machine) -> MachineSpec:
    """The spec of `machine`; raise `SpecError` if a name cannot be written in a spec.

    Final states and described states missing from `machine.states` are listed
    after the others, so nothing the machine holds is lost.
    """
    known = set(machine.states)
    extra = [*sorted(machine.finals), *(s for s, _ in machine.descriptions)]
    order = [*machine.states, *dict.fromkeys(s for s in extra if s not in known)]
    data = {
        "name": machine.name,
        "initial": machine.initial,
        "states": [
            {"name": s, "description": machine.description(s), "final": s in machine.finals}
            for s in order
        ],
        "transitions": [
            {"source": t.source, "event": t.event, "target": t.target, "guard": t.guard}
            for t in machine.transitions
        ],
    }
    return _parse(data, f"The spec of machine `{machine.name}`")


def machine_from_spec(spec: MachineSpec, *, validate: bool = True) -> Machine:
    """Build the machine a spec describes; with `validate`, raise `SpecError` on any problem."""
    machine = Machine(
        name=spec.name,
        states=tuple(s.name for s in spec.states),
        transitions=tuple(
            Transition(source=t.source, event=t.event, target=t.target, guard=t.guard)
            for t in spec.transitions
        ),
        initial=spec.initial,
        finals=frozenset(s.name for s in spec.states if s.final),
        descriptions=tuple((s.name, s.description) for s in spec.states),
    )
    if validate and (found := problems(machine)):
        raise SpecError.collect(f"Machine `{machine.name}`", found)
    return machine


def to_dict(machine: Machine) -> dict[str, Any]:
    """The spec of `machine` as a JSON-ready dict, default values left out."""
    spec = machine_to_spec(machine)
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data["version"] = spec.version
    return data


def from_dict(data: Any, *, validate: bool = True) -> Machine:
    """Load a machine from a spec dict (e.g. parsed model output).

    Args:
        data: the spec, as produced by `to_dict`.
        validate: also check the machine itself (`fsmnb.fsm.validate`).

    Raises:
        SpecError: listing every bad field (or, with `validate`, every problem of the machine).
    """
    subject = "Machine spec"
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        subject += f" `{data['name'][:MAX_NAME]}`"
    return machine_from_spec(_parse(data, subject), validate=validate)


def to_json(machine: Machine, *, indent: int | None = 2) -> str:
    """The spec of `machine` as JSON text."""
    return json.dumps(to_dict(machine), indent=indent, ensure_ascii=False)


def from_json(text: str | bytes, *, validate: bool = True) -> Machine:
    """Load a machine from JSON text; raise `SpecError` on bad syntax or a bad spec."""
    _check_size(text, "JSON", MAX_TEXT)  # json's C decoder refuses deep nesting by itself
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(
            f"Machine spec is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}. "
            "Fix the syntax."
        ) from None
    except (UnicodeDecodeError, RecursionError) as e:
        raise SpecError(f"Machine spec is not readable JSON: {_reason(e)}.") from None
    return from_dict(data, validate=validate)


def to_yaml(machine: Machine) -> str:
    """The spec of `machine` as YAML text."""
    return yaml.dump(
        to_dict(machine), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def from_yaml(text: str | bytes, *, validate: bool = True) -> Machine:
    """Load a machine from YAML text with a safe loader (tags never build objects or run code)."""
    _check_size(text, "YAML", MAX_YAML)
    _check_shape(text, "YAML")
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # a safe loader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(
            f"Machine spec is not valid YAML: {e.problem}{at}. Fix the syntax."
        ) from None
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError) as e:
        raise SpecError(f"Machine spec is not readable YAML: {_reason(e)}.") from None
    return from_dict(data, validate=validate)


class _Dumper(_SafeDumper):
    """The safe dumper (libyaml's when PyYAML has it), minus a round-trip bug.

    With `allow_unicode`, the pure-Python emitter writes NEL and the Unicode line
    and paragraph separators raw inside plain or single-quoted scalars, and reads
    them back as folded line breaks; double quotes make it escape them.
    """


def _represent_str(dumper: _SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(c in text for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


# -- turning pydantic's errors into one readable SpecError ---------------------------------------


def _check_size(text: str | bytes, kind: str, limit: int) -> None:
    if len(text) > limit:
        raise SpecError(
            f"Machine spec is too large to read: {len(text):,} characters of {kind}, "
            f"at most {limit:,} allowed."
            + (
                f" Send a spec this large as JSON (up to {MAX_TEXT:,} characters)."
                if limit < MAX_TEXT
                else ""
            )
        )


_BRACKETS = re.compile(rb"[^\[\]{}]")
_LEADING = re.compile(rb"^[ \t\-?:\[{]*", re.MULTILINE)
_DEPTH = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")


def _check_shape(text: str | bytes, kind: str) -> None:
    """Refuse text nested deeper than `MAX_NESTING` before a parser recurses into it.

    Counts brackets open at once (flow collections; a bracket inside a quoted
    string counts too, which only a strange spec would notice) and, per line,
    the indentation and structure characters before the content (block
    collections: ``- - - a`` nests three deep on one line). Linear in the text.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = _BRACKETS.sub(b"", raw).translate(_DEPTH)
    # Each pass removes the innermost pairs: what is left after MAX_NESTING passes nests deeper.
    for _ in range(MAX_NESTING):
        inner = brackets.replace(b"\x01\xff", b"")
        if len(inner) == len(brackets):
            break
        brackets = inner
    # Left: closers, then openers never closed (which nest as deep as they are many).
    too_deep = b"\x01\xff" in brackets or brackets.count(b"\x01") > MAX_NESTING
    indent = max((len(m) for m in _LEADING.findall(raw)), default=0)
    if too_deep or indent > 4 * MAX_NESTING:
        raise SpecError(
            f"Machine spec is nested too deeply to read: over {MAX_NESTING} levels of {kind}. "
            "A spec is a name, an initial state, and lists of states and transitions."
        )


def _reason(e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return "it is nested too deeply"
    return str(e).strip() or type(e).__name__


def _parse(data: Any, subject: str) -> MachineSpec:
    try:
        return MachineSpec.model_validate(data)
    except ValidationError as e:
        details = e.errors(include_url=False)
        found = [_where(d["loc"]) + _explain(d) for d in details[:MAX_SHOWN]]
        if len(details) > MAX_SHOWN:
            found.append(f"...and {len(details) - MAX_SHOWN} more problems like these.")
        raise SpecError.collect(subject, found) from None


def _where(loc: Sequence[int | str]) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return f"`{path}`: " if path else ""


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"`{text}`" if text.isprintable() and "`" not in text else repr(text)


def _fields(loc: Sequence[int | str]) -> str:
    """The fields of the model found at `loc` in a spec, as a readable list."""
    model: type[BaseModel] = MachineSpec
    if len(loc) == 2:
        model = StateSpec if loc[0] == "states" else TransitionSpec
    return ", ".join(f"`{f}`" for f in model.model_fields)


def _explain(d: ErrorDetails) -> str:
    kind, loc, value = d["type"], d["loc"], d.get("input")
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return f"unknown field; remove it (the fields are {_fields(loc[:-1])})"
    if kind == "model_type":
        return f"expected a mapping of {_fields(loc)}, got {type(value).__name__}"
    if kind == "string_pattern_mismatch":
        return (
            f"{_show(value)} is not a valid name: use letters, digits, `_` and `-`, "
            "starting with a letter or `_`"
        )
    if kind == "string_type" and isinstance(value, bool):
        return (
            f"expected a name, got the boolean {str(value).lower()} (YAML reads unquoted "
            "yes/no/on/off/true/false as booleans: quote the name)"
        )
    if loc == ("version",) and kind in ("less_than_equal", "greater_than_equal"):
        return f"spec version {_show(value)} is not supported; this fsmnb reads version 1"
    message = d["msg"][:1].lower() + d["msg"][1:]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        message += f", got {type(value).__name__}"
    return message
