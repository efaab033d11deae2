"""YAML request templates (seed 003): a system prompt, a Jinja2-rendered YAML request, a schema.

A template file is plain YAML with four keys::

    name: workflow_selection
    schema: WorkflowSelection          # a name registered in fsmnb.llm.schemas
    system: |
      You are a workflow selection expert. ...
    request: |                          # Jinja2; renders to a YAML document
      task:
        type: workflow_selection
        problem: {{ problem | json }}

Values go in through the ``json`` filter: JSON is valid YAML, so a problem
holding quotes, colons or newlines can never break the request's structure.
The rendered request is checked to be valid YAML and gets the reply's JSON
schema appended as ``response_schema``. The built-in templates live in
``fsmnb/llm/templates/``; add your own with `register_template` or
`load_templates(folder)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources as pkg_resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from fsmnb.errors import DefinitionError

__all__ = (
    "RenderedRequest",
    "Template",
    "get_template",
    "load_templates",
    "register_template",
    "render",
    "template_names",
)


@dataclass(frozen=True, slots=True)
class Template:
    """A structured request: its system prompt, Jinja2 YAML body and reply schema."""

    name: str
    system: str
    request: str
    schema: type[BaseModel]
    description: str = ""


@dataclass(frozen=True, slots=True)
class RenderedRequest:
    """A template filled with data: what is sent, and what the reply must validate against."""

    template: str
    system: str
    yaml: str
    schema: type[BaseModel]

    def __str__(self) -> str:
        return self.yaml


_TEMPLATES: dict[str, Template] = {}
_BUILTINS_LOADED = False


@cache
def _environment() -> Any:
    import jinja2  # a core dependency, imported on first render to keep `import fsmnb` light

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, default=_plain)
    return env


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    for attr in ("to_dict", "model_dump"):
        fn = getattr(value, attr, None)
        if callable(fn):
            return fn()
    return str(value)


def register_template(
    name: str, *, system: str, request: str, schema: type[BaseModel] | str, description: str = ""
) -> Template:
    """Add (or replace) a template; `schema` is a pydantic model or a registered schema's name."""
    from fsmnb.llm.schemas import SCHEMAS

    model = SCHEMAS.get(schema) if isinstance(schema, str) else schema
    if model is None:
        known = ", ".join(f"`{s}`" for s in sorted(SCHEMAS))
        raise DefinitionError(
            f"Template `{name}` names schema `{schema}`, which is not registered. Known: {known}. "
            f"Register it with `fsmnb.llm.register_schema`."
        )
    _environment().parse(request)  # a syntax error surfaces now, not at the first call
    template = _TEMPLATES[name] = Template(name, system, request, model, description)
    return template


def load_templates(folder: str | Path) -> list[str]:
    """Register every ``*.yaml`` template in `folder`; returns their names."""
    return [
        _load_text(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(Path(folder).glob("*.yaml"))
    ]


def _load_text(text: str, where: str) -> str:
    spec = yaml.safe_load(text)
    missing = [
        k
        for k in ("name", "schema", "system", "request")
        if not isinstance(spec, dict) or k not in spec
    ]
    if missing:
        raise DefinitionError(
            f"Template file `{where}` lacks {', '.join(f'`{k}`' for k in missing)}."
        )
    register_template(
        spec["name"],
        system=spec["system"],
        request=spec["request"],
        schema=spec["schema"],
        description=spec.get("description", ""),
    )
    return str(spec["name"])


def _ensure_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    folder = pkg_resources.files("fsmnb.llm") / "templates"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            name = entry.name.removesuffix(".yaml")
            if name not in _TEMPLATES:  # a user's template of the same name wins
                _load_text(entry.read_text(encoding="utf-8"), f"fsmnb/llm/templates/{entry.name}")


def template_names() -> list[str]:
    """Every registered template name."""
    _ensure_builtins()
    return sorted(_TEMPLATES)


def get_template(name: str) -> Template:
    """The template called `name`."""
    _ensure_builtins()
    found = _TEMPLATES.get(name)
    if found is None:
        known = ", ".join(f"`{t}`" for t in sorted(_TEMPLATES))
        raise DefinitionError(f"No request template `{name}`. Known: {known}.")
    return found


def render(name: str, data: dict[str, Any] | None = None, /, **more: Any) -> RenderedRequest:
    """Fill template `name` with `data`; the result's `yaml` is what the model is sent.

    Raises:
        DefinitionError: unknown template, a variable the template needs is missing
            from `data`, or the template rendered invalid YAML.
    """
    template = get_template(name)
    values = {**(data or {}), **more}
    import jinja2

    try:
        body = _environment().from_string(template.request).render(values)
    except jinja2.UndefinedError as exc:
        raise DefinitionError(
            f"Template `{name}` needs a value that was not given: {exc.message}. "
            f"Given: {', '.join(f'`{k}`' for k in values) or 'nothing'}."
        ) from None
    schema_json = json.dumps(
        template.schema.model_json_schema(), ensure_ascii=False, separators=(",", ":")
    )
    body = body.rstrip() + f"\nresponse_schema: {schema_json}\n"
    try:
        yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"Template `{name}` rendered invalid YAML: {exc}") from None
    return RenderedRequest(name, template.system.strip(), body, template.schema)
