"""The Supervisor: runs agents, sensors and other supervisors, and restarts them when they crash.

    root = Supervisor(
        [monitor_agent, coordinator, Supervisor(task_agents, strategy="one_for_all", name="pool")],
        strategy="one_for_one", max_restarts=3, within=5.0,
    )
    await root.run()            # or: task = root.start(); ...; await root.stop()

A child is anything with a `name` and an async `run()` (a `SupervisedAgent`,
a `Sensor`, a `Supervisor`). The children run in one `asyncio.TaskGroup`;
each is wrapped so that its crash is reported to the supervisor instead of
tearing the group down, and the supervisor applies its strategy:

- ``one_for_one``: restart the child that crashed;
- ``one_for_all``: stop every child, then start them all again in order;
- ``rest_for_one``: stop the children started after it, then restart it and them.

Restart intensity: more than `max_restarts` restarts within `within` seconds
escalates: every child is stopped and `run` raises `EscalationError`, which
a parent supervisor sees as this child's crash. A child whose `run` returns
is finished and not restarted. `kill(name)` crashes a child on purpose
(chaos testing); `stop()` ends the tree.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from fsmnb.errors import DefinitionError, EscalationError

__all__ = ("Killed", "Strategy", "Supervisor")

Strategy = Literal["one_for_one", "one_for_all", "rest_for_one"]
_STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")


class Killed(Exception):
    """A child was killed on purpose by `Supervisor.kill`."""


class Supervisor:
    """Run children and restart them by `strategy`, within a restart intensity.

    Args:
        children: agents, sensors, supervisors (each with `name` and async `run()`).
        strategy: ``one_for_one``, ``one_for_all`` or ``rest_for_one``.
        max_restarts: restarts allowed within `within` seconds before escalating.
        within: the intensity window, in seconds.
        name: its name (as a child of another supervisor).
        clock: monotonic seconds (tests pass a fake one).
    """

    kind = "supervisor"

    def __init__(
        self,
        children: Sequence[Any],
        *,
        strategy: Strategy = "one_for_one",
        max_restarts: int = 3,
        within: float = 5.0,
        name: str = "supervisor",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if strategy not in _STRATEGIES:
            raise DefinitionError(
                f"Supervisor `{name}`: strategy `{strategy}` is unknown; use "
                + ", ".join(f"`{s}`" for s in _STRATEGIES)
            )
        if max_restarts < 0 or within <= 0:
            raise DefinitionError(f"Supervisor `{name}` needs max_restarts ≥ 0 and within > 0.")
        names = [getattr(c, "name", None) for c in children]
        dupes = sorted({n for n in names if names.count(n) > 1}, key=str)
        bad = [repr(c)[:40] for c in children if not callable(getattr(c, "run", None))]
        if dupes or bad or None in names:
            raise DefinitionError(
                f"Supervisor `{name}`: children need unique names and an async `run()`"
                + (f"; duplicated: {', '.join(f'`{d}`' for d in dupes)}" if dupes else "")
                + (f"; without `run`: {', '.join(bad)}" if bad else "")
            )
        self.name = name
        self.children = list(children)
        self.strategy = strategy
        self.max_restarts = max_restarts
        self.within = within
        self.clock = clock
        self.status = "stopped"
        self.restarts = 0
        self.crashes: collections.deque[tuple[float, str, str]] = collections.deque(maxlen=100)
        self._recent: collections.deque[float] = collections.deque()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping: set[str] = set()
        self._running: set[str] = set()
        self._killed: set[str] = set()
        self._events: asyncio.Queue[tuple[str, BaseException | None]] | None = None
        self._group: asyncio.TaskGroup | None = None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[str, str, str], None]] = []

    # -- control ---------------------------------------------------------------------------------

    def child(self, name: str) -> Any:
        """The child called `name`."""
        for c in self.children:
            if c.name == name:
                return c
        raise KeyError(f"Supervisor `{self.name}` has no child `{name}`.")

    def kill(self, name: str) -> bool:
        """Crash the running child `name` (it is restarted by the strategy); whether it ran."""
        task = self._tasks.get(name)
        if task is None or task.done() or name not in self._running or name in self._killed:
            # Not started yet (a cancel would never reach `_keep`'s handler), or dying already.
            return False
        self._killed.add(name)
        task.cancel(msg=f"killed:{name}")
        return True

    def start(self) -> asyncio.Task[None]:
        """Run the tree in a task of its own."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.name)
        return self._task

    async def stop(self) -> None:
        """Stop every child and end `run`."""
        if self._events is not None:
            self._events.put_nowait(("", None))  # the stop request
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def subscribe(self, listener: Callable[[str, str, str], None]) -> Callable[[], None]:
        """Call `listener(event, child, detail)` on ``started``, ``crashed``, ``restarted``, ``escalated``."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Start the children and supervise them until `stop()` or an escalation."""
        self._events = asyncio.Queue()
        self._recent.clear()
        self.status = "running"
        escalation: EscalationError | None = None
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                for c in self.children:
                    self._start(c)
                try:
                    await self._supervise()
                except EscalationError as e:  # raised outside the group, not as an ExceptionGroup
                    escalation = e
                await self._stop_all(self.children)
        finally:
            self._group = None
            if self.status == "running":
                self.status = "stopped"
        if escalation is not None:
            raise escalation

    async def _supervise(self) -> None:
        assert self._events is not None
        while True:
            name, error = await self._events.get()
            if not name:
                return
            if name in self._stopping:
                continue
            if error is None:  # finished: not restarted
                continue
            detail = f"{type(error).__name__}: {error}"[:300]
            self.crashes.append((time.time(), name, detail))
            self._notify("crashed", name, detail)
            now = self.clock()
            self._recent.append(now)
            while self._recent and now - self._recent[0] > self.within:
                self._recent.popleft()
            if len(self._recent) > self.max_restarts:
                await self._stop_all(self.children)
                self.status = "escalated"
                self._notify("escalated", name, detail)
                window = [(n, d) for _, n, d in list(self.crashes)[-len(self._recent) :]]
                raise EscalationError(
                    f"Supervisor `{self.name}` gave up: {len(self._recent)} crashes within "
                    f"{self.within:g} s exceed its limit of {self.max_restarts} restarts (last: "
                    f"`{name}`: {detail}). Fix the failing child, or raise `max_restarts`/lower "
                    "`within` if the crashes are expected.",
                    supervisor=self.name,
                    crashes=window,
                )
            await self._restart(name)

    async def _restart(self, name: str) -> None:
        index = next(i for i, c in enumerate(self.children) if c.name == name)
        if self.strategy == "one_for_one":
            group = [self.children[index]]
        elif self.strategy == "one_for_all":
            group = self.children
        else:
            group = self.children[index:]
        await self._stop_all([c for c in group if c.name != name])
        for c in group:
            self.restarts += 1
            if hasattr(c, "restarts") and c is not self:
                c.restarts += 1
            self._start(c)
            self._notify("restarted", c.name, self.strategy)

    def _start(self, child: Any) -> None:
        assert self._group is not None
        self._stopping.discard(child.name)
        self._killed.discard(child.name)
        self._tasks[child.name] = self._group.create_task(self._keep(child), name=child.name)
        self._notify("started", child.name, "")

    async def _keep(self, child: Any) -> None:
        """Run `child`, reporting how it ended instead of failing the task group."""
        assert self._events is not None
        error: BaseException | None = None
        self._running.add(child.name)
        try:
            await child.run()
        except asyncio.CancelledError as cancelled:
            if child.name in self._stopping or not _is_kill(cancelled):
                if child.name not in self._stopping:
                    raise  # the supervisor itself is being cancelled
                return
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            error = Killed(f"`{child.name}` was killed")
        except Exception as exc:
            error = exc
        finally:
            self._running.discard(child.name)
        self._events.put_nowait((child.name, error))

    async def _stop_all(self, children: Sequence[Any]) -> None:
        """Cancel the given children (last started first) and wait for them."""
        tasks = []
        for c in reversed(children):
            task = self._tasks.get(c.name)
            if task is not None and not task.done():
                self._stopping.add(c.name)
                task.cancel()
                tasks.append(task)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _notify(self, event: str, child: str, detail: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(event, child, detail)
            except Exception:  # a broken observer never stops supervision
                self._listeners.remove(listener)

    # -- views -----------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The tree's status: this supervisor and each child's `health()`."""
        kids = []
        for c in self.children:
            info = c.health() if callable(getattr(c, "health", None)) else {"name": c.name}
            task = self._tasks.get(c.name)
            if task is not None and task.done() and info.get("status") == "running":
                info["status"] = "stopped"
            kids.append(info)
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "strategy": self.strategy,
            "restarts": self.restarts,
            "limit": f"{self.max_restarts} in {self.within:g} s",
            "children": kids,
        }

    def __repr__(self) -> str:
        return (
            f"<Supervisor {self.name} {self.strategy} {self.status}, {len(self.children)} children>"
        )


def _is_kill(cancelled: asyncio.CancelledError) -> bool:
    return bool(cancelled.args) and str(cancelled.args[0]).startswith("killed:")
