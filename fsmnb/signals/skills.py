"""Skills: a bundle of signal routes with a pydantic config, mounted on an agent or a router.

    class Greeter(Skill):
        name = "greeter"

        class Config(BaseModel):
            greeting: str = "hello"

        def routes(self):
            return [SkillRoute("user.joined", self.greet, priority=10)]

        def greet(self, signal):
            return [self.signal("user.greeted", {"text": f"{self.config.greeting} {signal.subject}"})]

    agent.mount(Greeter(greeting="hi"))     # or skill.mount(router)

A route's target is a method of the skill, ``fn(signal)`` (sync or async),
or an `Action` run with the signal's data (`SkillRoute(..., action=X)`). The
signals a handler returns (one, a list, or None) are published on the router
the skill is mounted on: that is how a skill answers. `state` is the
skill's own dict, which an agent keeps in its journaled state.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from fsmnb.errors import DefinitionError
from fsmnb.signals.sensors import NoConfig, check_config
from fsmnb.signals.signal import Signal

__all__ = ("Skill", "SkillRoute")


@dataclass(frozen=True, slots=True)
class SkillRoute:
    """A route a skill adds: `pattern` → a handler (or `action`), with priority and condition."""

    pattern: str
    handler: Callable[[Signal], Any] | None = None
    action: Any = None
    reply: str | None = None
    priority: int = 0
    when: Callable[[Signal], bool] | None = None
    schema: type[BaseModel] | None = None


class Skill:
    """A bundle of routes with a config; subclass it and define `routes`.

    Args:
        **config: fields of `Config` (a `DefinitionError` names each bad one).
    """

    name: ClassVar[str] = "skill"
    description: ClassVar[str] = ""
    Config: ClassVar[type[BaseModel]] = NoConfig
    #: the signal types it reacts to and emits (documentation, shown in the live view)
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **config: Any) -> None:
        self.config: Any = check_config(type(self).__name__, self.Config, config)
        self.state: dict[str, Any] = {}
        self.agent: Any = None
        self._router: Any = None
        self._mounted: list[Any] = []
        self.handled = 0

    def routes(self) -> list[SkillRoute]:
        """The routes it adds when mounted."""
        raise NotImplementedError(f"Skill `{self.name}` does not define `routes()`.")

    def signal(self, type: str, data: Any = None, **attributes: Any) -> Signal:
        """A signal from this skill."""
        return Signal(type=type, source=f"skill:{self.name}", data=data, **attributes)

    def mount(self, router: Any, *, agent: Any = None) -> Skill:
        """Add its routes to `router` (an agent mounts its skills on its own router)."""
        if self._router is not None:
            raise DefinitionError(f"Skill `{self.name}` is mounted already; unmount it first.")
        self._router, self.agent = router, agent
        for r in self.routes():
            if r.action is not None:
                route = router.route(
                    r.pattern, action=r.action, reply=r.reply, priority=r.priority, when=r.when,
                    schema=r.schema, name=f"{self.name}:{getattr(r.action, 'name', r.action)}",
                )  # fmt: skip
            elif r.handler is not None:
                route = router.route(
                    r.pattern, self._wrap(r.handler), priority=r.priority, when=r.when,
                    schema=r.schema, name=f"{self.name}.{getattr(r.handler, '__name__', 'handler')}",
                )  # fmt: skip
            else:
                raise DefinitionError(
                    f"Skill `{self.name}` route `{r.pattern}` has neither a handler nor an action."
                )
            self._mounted.append(route)
        return self

    def unmount(self) -> None:
        """Remove its routes."""
        for route in self._mounted:
            self._router.remove(route)
        self._mounted, self._router, self.agent = [], None, None

    def _wrap(self, handler: Callable[[Signal], Any]) -> Callable[[Signal], Any]:
        if inspect.iscoroutinefunction(handler):

            async def deliver_async(signal: Signal) -> None:
                self._publish(await handler(signal))

            return deliver_async

        def deliver(signal: Signal) -> None:
            self._publish(handler(signal))

        return deliver

    def _publish(self, out: Signal | Iterable[Signal] | None) -> None:
        self.handled += 1
        if out is None:
            return
        for s in (out,) if isinstance(out, Signal) else out:
            self._router.publish(s)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {len(self._mounted)} routes mounted>"
