"""Supervised agents: long-lived tasks with a mailbox of signals, hooks, skills and journaled state.

    class TaskAgent(SupervisedAgent):
        initial_state = {"processed": 0}

        async def handle(self, signal):
            self.state["processed"] += 1

    agent = TaskAgent("task_1")
    agent.tell(Signal(type="task.new", data={...}))   # True: accepted (acknowledged)
    await Supervisor([agent]).run()

`tell` acknowledges a signal by accepting it into the mailbox (bounded:
False when full). The agent takes one signal at a time: `on_before_action`
may change or drop it, `handle` processes it (by default through the
agent's own router, where its skills are mounted), then `on_after_action`
runs and the state is journaled with the signal counted as done. A crash
(an exception, or `Supervisor.kill`) leaves the signal in flight at the
front of the mailbox and the state as last journaled: the restarted agent
takes that state from the `StateJournal` and the signal again, so an
acknowledged signal is never lost and its effect on the state is counted
once. `on_error` may handle a failure (return True) instead of crashing.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import inspect
import time
from typing import Any, ClassVar

from fsmnb.signals.router import Router
from fsmnb.signals.signal import Signal

__all__ = ("Mailbox", "StateJournal", "SupervisedAgent")


class Mailbox:
    """A bounded FIFO of signals whose head can be put back (the signal in flight at a crash)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._items: collections.deque[Signal] = collections.deque()
        self._ready = asyncio.Event()

    def put(self, signal: Signal) -> bool:
        """Accept `signal`; False when full."""
        if len(self._items) >= self.limit:
            return False
        self._items.append(signal)
        self._ready.set()
        return True

    def put_back(self, signal: Signal) -> None:
        """Return `signal` to the front (it is processed next)."""
        self._items.appendleft(signal)
        self._ready.set()

    async def get(self) -> Signal:
        """The next signal, waiting for one."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def __len__(self) -> int:
        return len(self._items)


class StateJournal:
    """The last journaled state of each agent (in memory; `path` keeps it in SQLite too)."""

    def __init__(self, path: str | None = None) -> None:
        self._last: dict[str, tuple[int, Any]] = {}
        self._db: Any = None
        if path is not None:
            import json
            import sqlite3

            self._json = json
            self._db = sqlite3.connect(path)
            self._db.execute(
                "create table if not exists agent_state (agent text primary key, seq integer, state text)"
            )
            for agent, seq, state in self._db.execute("select agent, seq, state from agent_state"):
                self._last[agent] = (seq, json.loads(state))

    def save(self, agent: str, state: Any) -> int:
        """Record `state` as `agent`'s latest; returns its sequence number."""
        seq = self._last.get(agent, (0, None))[0] + 1
        snapshot = copy.deepcopy(state)
        self._last[agent] = (seq, snapshot)
        if self._db is not None:
            self._db.execute(
                "insert or replace into agent_state values (?, ?, ?)",
                (agent, seq, self._json.dumps(snapshot, default=str)),
            )
            self._db.commit()
        return seq

    def load(self, agent: str) -> Any:
        """`agent`'s latest state (a copy), or None."""
        found = self._last.get(agent)
        return None if found is None else copy.deepcopy(found[1])


class SupervisedAgent:
    """A long-lived agent: mailbox, hooks, skills, and state journaled after every signal.

    Args:
        name: unique among its supervisor's children.
        journal: where its state is journaled (default: a private in-memory `StateJournal`).
        mailbox_limit: signals it accepts before `tell` says False.
        skills: skills to mount on its router.
    """

    kind: ClassVar[str] = "agent"
    #: the state of a fresh agent (copied)
    initial_state: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        name: str,
        *,
        journal: StateJournal | None = None,
        mailbox_limit: int = 10_000,
        skills: list[Any] = (),  # type: ignore[assignment]
    ) -> None:
        self.name = name
        self.journal = journal if journal is not None else StateJournal()
        self.mailbox = Mailbox(mailbox_limit)
        self.router = Router(name=f"{name}.router")
        self.skills: list[Any] = []
        self.state: dict[str, Any] = copy.deepcopy(self.initial_state)
        self.status = "stopped"
        self.processed = 0
        self.errors = 0
        self.restarts = 0
        self.refused = 0
        self.last_error: str | None = None
        self.started_at: float | None = None
        self._inflight: Signal | None = None
        for skill in skills:
            self.mount(skill)

    # -- the outside -----------------------------------------------------------------------------

    def tell(self, signal: Signal) -> bool:
        """Put `signal` in the mailbox; True is the acknowledgement, False means full."""
        accepted = self.mailbox.put(signal)
        if not accepted:
            self.refused += 1
        return accepted

    def mount(self, skill: Any) -> None:
        """Mount `skill` on this agent's router; its state lives in the agent's state."""
        skill.mount(self.router, agent=self)
        self.skills.append(skill)

    # -- hooks (override) ----------------------------------------------------------------------

    def on_init(self) -> Any:
        """Called each time the agent starts (after its state is restored)."""

    def on_before_action(self, signal: Signal) -> Signal | None:
        """Called before handling; return the signal (possibly changed), or None to drop it."""
        return signal

    def on_after_action(self, signal: Signal, result: Any) -> Any:
        """Called after handling, before the state is journaled."""

    def on_error(self, signal: Signal, error: BaseException) -> bool:
        """Called when handling fails; True handles it (go on), False crashes the agent."""
        return False

    async def handle(self, signal: Signal) -> Any:
        """Process one signal; the default publishes it on the agent's router (its skills)."""
        count = self.router.publish(signal)
        if self.router.in_flight:
            await self.router.drain()
        return count

    # -- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Restore the state, then process the mailbox until cancelled (a supervisor child)."""
        self._restore()
        if self._inflight is not None:  # the signal a crash interrupted goes first
            self.mailbox.put_back(self._inflight)
            self._inflight = None
        self.status = "running"
        self.started_at = time.time()
        try:
            await _maybe(self.on_init())
            while True:
                signal = await self.mailbox.get()
                self._inflight = signal
                await self._process(signal)
                self._inflight = None
        except BaseException as e:
            self.status = "crashed" if not isinstance(e, asyncio.CancelledError) else "stopped"
            raise
        finally:
            if self.status == "running":
                self.status = "stopped"

    def _restore(self) -> None:
        """Take the last journaled state (a fresh one if none); skills keep theirs inside it."""
        restored = self.journal.load(self.name)
        self.state = restored if restored is not None else copy.deepcopy(self.initial_state)
        if self.skills:
            kept = self.state.setdefault("skills", {})
            for skill in self.skills:
                skill.state = kept.setdefault(skill.name, copy.deepcopy(skill.state))

    async def _process(self, signal: Signal) -> None:
        try:
            chosen = await _maybe(self.on_before_action(signal))
            if chosen is None:
                return
            result = await self.handle(chosen)
            await _maybe(self.on_after_action(chosen, result))
        except Exception as exc:
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            if not await _maybe(self.on_error(signal, exc)):
                raise
            self._restore()  # undo what the failed handling changed
            return
        self.processed += 1
        self.journal.save(self.name, self.state)

    def health(self) -> dict[str, Any]:
        """Its status for `/health` and the supervision widget."""
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "mailbox": len(self.mailbox),
            "processed": self.processed,
            "errors": self.errors,
            "restarts": self.restarts,
            "last_error": self.last_error,
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.status}, {len(self.mailbox)} waiting>"


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
