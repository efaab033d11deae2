"""The signal router: dotted-type patterns → handlers, actions, runs and agents.

    router = Router()
    router.route("order.created", action=ValidateOrder, reply="order.validated")
    router.route("system.health.*", alert, priority=10, when=lambda s: s.data["cpu"] > 0.9)
    router.route("order.**", run=run, event="order_update")
    router.publish(Signal(type="order.created", data={...}))

Routes are kept in a trie (`PatternTrie`), so publishing never scans every
route. Matching routes are delivered in priority order (highest first, then
the order they were added). A route's `when` condition and its data `schema`
are checked first; a signal no route takes, a delivery that raises, times
out or is refused by its schema goes to `dead_letters` with the reason. Sync
deliveries run inline; async ones run as tasks bounded by the route's
`timeout`, so a handler that hangs never stalls the router or other routes.
`await router.drain()` waits for the deliveries in flight.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from fsmnb.errors import DefinitionError, SignalError
from fsmnb.signals.journal import SignalJournal
from fsmnb.signals.patterns import PatternTrie, check_pattern
from fsmnb.signals.signal import Signal
from fsmnb.signals.targets import action_target, agent_target, run_target

__all__ = ("DeadLetter", "Route", "Router")

Deliver = Callable[[Signal], Any]

#: How deep signals published from inside deliveries may nest (replies of replies ...).
MAX_DEPTH = 32


@dataclass(slots=True, eq=False)
class Route:
    """One pattern → one target, with its priority, condition, schema and counters."""

    pattern: str
    deliver: Deliver
    name: str
    kind: str = "handler"
    priority: int = 0
    when: Callable[[Signal], bool] | None = None
    schema: type[BaseModel] | None = None
    timeout: float | None = 5.0
    order: int = 0
    delivered: int = 0
    failed: int = 0

    def __repr__(self) -> str:
        return f"<Route {self.pattern} -> {self.name} priority={self.priority}>"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A signal that was not delivered, or whose delivery failed, and why."""

    signal: Signal | None
    reason: str
    route: str | None = None
    time: float = field(default_factory=time.time)
    raw: str | None = None


class Router:
    """Deliver signals to the routes whose pattern matches their type.

    Args:
        journal: a `SignalJournal` recording every accepted signal (None: no journal).
        dead_letter_limit: dead letters kept (the oldest are dropped first).
        max_in_flight: async deliveries running at once; past it a delivery is dead-lettered
            (a flood of slow handlers cannot grow memory without bound).
        name: shown in widgets and metrics.
    """

    def __init__(
        self,
        *,
        journal: SignalJournal | None = None,
        dead_letter_limit: int = 1000,
        max_in_flight: int = 10_000,
        name: str = "router",
    ) -> None:
        self.name = name
        self.journal = journal
        self.dead_letters: collections.deque[DeadLetter] = collections.deque(
            maxlen=dead_letter_limit
        )
        self.max_in_flight = max_in_flight
        self.published = 0
        self.delivered = 0
        self.dead = 0
        self._trie: PatternTrie[Route] = PatternTrie()
        self._routes: list[Route] = []
        self._order = 0
        self._sorted: dict[str, list[Route]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listeners: list[Callable[[str, Signal | None, Route | None], None]] = []
        self._depth = 0

    # -- routes ----------------------------------------------------------------------------------

    def route(
        self,
        pattern: str,
        handler: Deliver | None = None,
        *,
        action: Any = None,
        reply: str | None = None,
        run: Any = None,
        event: str | None = None,
        agent: Any = None,
        priority: int = 0,
        when: Callable[[Signal], bool] | None = None,
        schema: type[BaseModel] | None = None,
        timeout: float | None = 5.0,
        name: str | None = None,
    ) -> Route:
        """Add a route from `pattern` to exactly one target; returns it (for `remove`).

        Args:
            pattern: dotted type with exact segments, ``*`` and ``**``.
            handler: ``fn(signal)``, sync or async.
            action: an `Action` (class, instance or name) run with the signal's data as
                parameters; `reply` names the type of the signal published with its result.
            run: a `Run` (or a function of the signal returning one) that receives the
                signal as event `event` (default: the type's last segment) with its data.
            agent: a supervised agent whose mailbox receives the signal.
            priority: higher runs first.
            when: a condition on the signal; the route is skipped when it is false.
            schema: a pydantic model the signal's data must satisfy (else dead-lettered).
            timeout: seconds an async delivery may take.
            name: shown in stats and dead letters (default: derived from the target).
        """
        check_pattern(pattern)
        chosen = [x for x in (handler, action, run, agent) if x is not None]
        if len(chosen) != 1:
            raise DefinitionError(
                f"Route `{pattern}` needs exactly one target: a handler, `action=`, `run=` or "
                f"`agent=` (got {len(chosen)})."
            )
        if handler is not None:
            if not callable(handler):
                raise DefinitionError(f"Route `{pattern}`: the handler must be callable.")
            deliver, kind = handler, "handler"
            label = getattr(handler, "__qualname__", type(handler).__name__)
        elif action is not None:
            deliver, label = action_target(action, reply, self)
            kind = "action"
        elif run is not None:
            deliver, label = run_target(run, event)
            kind = "run"
        else:
            deliver, label = agent_target(agent)
            kind = "agent"
        self._order += 1
        r = Route(
            pattern, deliver, name or label, kind, priority, when, schema, timeout, self._order
        )
        self._trie.add(pattern, r)
        self._routes.append(r)
        self._sorted.clear()
        return r

    def on(self, pattern: str, **options: Any) -> Callable[[Deliver], Deliver]:
        """Decorator form of `route` for a handler."""

        def attach(fn: Deliver) -> Deliver:
            self.route(pattern, fn, **options)
            return fn

        return attach

    def remove(self, route: Route) -> bool:
        """Remove `route`; whether it was there."""
        if not self._trie.remove(route.pattern, route):
            return False
        self._routes.remove(route)
        self._sorted.clear()
        return True

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route, in the order added."""
        return tuple(self._routes)

    def match(self, type_: str) -> list[Route]:
        """The routes a signal of `type_` goes to, highest priority first."""
        found = self._sorted.get(type_)
        if found is None:
            found = sorted(self._trie.match(type_), key=_priority)
            if len(self._sorted) >= 10_000:
                self._sorted.clear()
            self._sorted[type_] = found
        return found

    # -- publishing ------------------------------------------------------------------------------

    def publish(
        self, signal: Signal | Mapping[str, Any] | str | bytes, *, journal: bool = True
    ) -> int:
        """Deliver `signal` to every matching route; returns the number of deliveries started.

        A mapping or JSON text is validated at the edge first.

        Raises:
            SignalError: the raw signal is not CloudEvents-shaped (it is dead-lettered too).
        """
        if not isinstance(signal, Signal):
            signal = self.accept(signal)
        if self._depth >= MAX_DEPTH:
            self._dead(
                signal,
                f"signals published from deliveries nest deeper than {MAX_DEPTH} "
                "(a reply loop?); publish replies of a type no route of their cause matches",
                None,
            )
            return 0
        self._depth += 1
        try:
            return self._publish(signal, journal)
        finally:
            self._depth -= 1

    def _publish(self, signal: Signal, journal: bool) -> int:
        self.published += 1
        if journal and self.journal is not None:
            self.journal.append(signal)
        routes = self._sorted.get(signal.type)
        if routes is None:
            routes = self.match(signal.type)
        if not routes:
            self._dead(signal, f"no route matches `{signal.type}`", None)
            return 0
        count = inline = 0
        for route in routes:
            try:
                if route.when is not None and not route.when(signal):
                    continue
                if route.schema is not None:
                    _check_schema(route, signal)
                out = route.deliver(signal)
            except Exception as exc:
                self._failed(route, signal, _reason(exc))
                continue
            if out is None or not hasattr(out, "__await__"):
                route.delivered += 1
                inline += 1
            else:
                self._spawn(route, signal, out)
            count += 1
        self.delivered += inline
        if count == 0 and all(r.when is not None for r in routes):
            self._dead(
                signal, f"no route accepted `{signal.type}` (every condition was false)", None
            )
        if self._listeners:
            self._notify("published", signal, None)
        return count

    def emit(self, type: str, data: Any = None, **attributes: Any) -> int:
        """Publish a new signal of `type` with `data` (and CloudEvents attributes)."""
        return self.publish(Signal(type=type, data=data, **attributes))

    def accept(self, raw: Mapping[str, Any] | str | bytes) -> Signal:
        """Validate a raw signal at the edge; a refused one is dead-lettered and raised.

        Raises:
            SignalError: naming each offending field.
        """
        try:
            return Signal.parse(dict(raw) if isinstance(raw, Mapping) else raw)
        except SignalError as e:
            text = raw if isinstance(raw, str) else repr(raw)
            self.dead += 1
            self.dead_letters.append(DeadLetter(None, str(e), None, raw=text[:500]))
            if self._listeners:
                self._notify("dead", None, None)
            raise

    async def drain(self) -> None:
        """Wait until the async deliveries in flight have finished (each is bounded by its timeout)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def in_flight(self) -> int:
        """Async deliveries running now."""
        return len(self._tasks)

    def subscribe(
        self, listener: Callable[[str, Signal | None, Route | None], None]
    ) -> Callable[[], None]:
        """Call `listener(kind, signal, route)` on ``published``, ``failed`` and ``dead``; returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def stats(self) -> dict[str, Any]:
        """Counters: published, delivered, dead-lettered, in flight, and per route."""
        return {
            "published": self.published,
            "delivered": self.delivered,
            "dead_lettered": self.dead,
            "in_flight": len(self._tasks),
            "routes": [
                {
                    "pattern": r.pattern,
                    "target": r.name,
                    "kind": r.kind,
                    "priority": r.priority,
                    "delivered": r.delivered,
                    "failed": r.failed,
                }
                for r in self._routes
            ],
        }

    # -- internals -------------------------------------------------------------------------------

    def _spawn(self, route: Route, signal: Signal, awaitable: Any) -> None:
        if len(self._tasks) >= self.max_in_flight:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            self._failed(
                route, signal, f"router overloaded ({self.max_in_flight} deliveries in flight)"
            )
            return
        task = asyncio.ensure_future(self._guarded(route, signal, awaitable))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, route: Route, signal: Signal, awaitable: Any) -> None:
        try:
            async with asyncio.timeout(route.timeout):
                await awaitable
        except TimeoutError:
            self._failed(route, signal, f"delivery timed out after {route.timeout:g} s")
        except Exception as exc:
            self._failed(route, signal, _reason(exc))
        else:
            route.delivered += 1
            self.delivered += 1

    def _failed(self, route: Route, signal: Signal, reason: str) -> None:
        route.failed += 1
        self._dead(signal, reason, route)

    def _dead(self, signal: Signal, reason: str, route: Route | None) -> None:
        self.dead += 1
        self.dead_letters.append(
            DeadLetter(
                signal, reason, None if route is None else f"{route.pattern} -> {route.name}"
            )
        )
        if self._listeners:
            self._notify("dead", signal, route)

    def _notify(self, kind: str, signal: Signal | None, route: Route | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(kind, signal, route)
            except Exception:  # a broken observer never stops routing
                self._listeners.remove(listener)

    def __repr__(self) -> str:
        return (
            f"<Router {self.name}: {len(self._routes)} routes, {self.published} published, "
            f"{self.dead} dead-lettered>"
        )


def _priority(route: Route) -> tuple[int, int]:
    return (-route.priority, route.order)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _check_schema(route: Route, signal: Signal) -> None:
    assert route.schema is not None
    try:
        route.schema.model_validate(signal.data)
    except ValidationError as e:
        problems = [
            f"`data.{'.'.join(str(p) for p in err['loc'])}`: {err['msg']}" for err in e.errors()
        ]
        raise SignalError(
            f"Signal `{signal.type}` refused by route `{route.pattern}`: "
            + "; ".join(problems)
            + f". Send data matching `{route.schema.__name__}`.",
            problems=problems,
        ) from None
