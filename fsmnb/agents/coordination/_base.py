"""What every coordination strategy shares: concurrent asking, rounds, the transcript, telemetry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fsmnb.agents.recursion import current_ctx
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import RunError
from fsmnb.llm.embeddings import get_embedder

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("CoordinationResult", "Round", "Team")


@dataclass(slots=True)
class Round:
    """One round: each agent's answer (None when it failed), errors, and scores if any.

    Attributes:
        number: 1, 2, …
        kind: ``answers``, ``feedback``, ``debate``, ``subtasks``, ``synthesis``, ``votes``.
        answers: agent name → answer text (None for an agent that failed or timed out).
        errors: agent name → what went wrong.
        matrix: pairwise similarities of the answers (consensus), agents in `answers` order.
        mean: the mean off-diagonal similarity (consensus).
        tasks: agent name → the task it was given, when agents got different ones.
    """

    number: int
    kind: str
    answers: dict[str, str | None]
    errors: dict[str, str] = field(default_factory=dict)
    matrix: list[list[float]] | None = None
    mean: float | None = None
    tasks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> dict[str, str]:
        """The answers of the agents that did not fail."""
        return {k: v for k, v in self.answers.items() if v is not None}


@dataclass(slots=True)
class CoordinationResult:
    """Everything a coordination did: every round's answers and scores, and the transcript.

    Attributes:
        strategy: the strategy used.
        task: the task.
        answer: the outcome (the consensus answer, the synthesis, the vote winner,
            the integration, or agent → answer for `parallel`).
        rounds: every round, in order.
        transcript: ``{"round", "agent", "role", "content"}`` messages, in order.
        reached: for consensus, whether the threshold was met; for vote, whether a
            strict majority was found; else None.
        score: the last consensus mean, or the winner's vote share.
        errors: agent name → its last failure.
        details: strategy-specific extras (votes, assignments, threshold, …).
    """

    strategy: str
    task: str
    answer: Any = None
    rounds: list[Round] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    reached: bool | None = None
    score: float | None = None
    errors: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        score = "" if self.score is None else f", score={self.score:.3f}"
        reached = "" if self.reached is None else f", reached={self.reached}"
        return (
            f"CoordinationResult({self.strategy}, {len(self.rounds)} rounds{score}{reached}, "
            f"{len(self.errors)} errors)"
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "strategy": self.strategy,
            "task": self.task,
            "answer": self.answer,
            "reached": self.reached,
            "score": self.score,
            "errors": dict(self.errors),
            "rounds": [_round_json(r) for r in self.rounds],
            "details": self.details,
        }


def _round_json(r: Round) -> dict[str, Any]:
    return {
        "number": r.number,
        "kind": r.kind,
        "answers": r.answers,
        "errors": r.errors,
        "mean": r.mean,
        "matrix": r.matrix,
        "tasks": r.tasks,
    }


Ask = Callable[["Agent"], Awaitable[str]]


class Team:
    """The agents of one coordination: asks them concurrently and keeps the record."""

    def __init__(
        self,
        agents: Sequence[Agent],
        task: str,
        strategy: str,
        *,
        timeout: float | None = None,
        embedder: Any = None,
    ) -> None:
        names = [a.name for a in agents]
        if len(set(names)) != len(names):
            raise RunError(f"Coordinated agents need distinct names, got {names}.")
        self.agents = list(agents)
        self.timeout = timeout
        self.embedder = get_embedder(embedder)
        self.result = CoordinationResult(strategy, task)
        self.publish("user", "coordinator", task, round=0)

    def publish(self, role: str, agent: str, content: str, **data: Any) -> None:
        """Add a message to the transcript and publish it as ``agent_message``."""
        self.result.transcript.append({"role": role, "agent": agent, "content": content, **data})
        self._emit("agent_message", {"role": role, "agent": agent, "content": content, **data})

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        ctx = current_ctx()
        run = getattr(ctx, "instance", None)
        if run is None and not bus.active:
            return
        event = TelemetryEvent(
            kind=kind,
            run_id=getattr(run, "id", ""),
            state=getattr(run, "state", ""),  # the phase: the Consensus widget labels rounds by it
            name=kind,
            data=data,
        )
        (run.publish if run is not None else bus.publish)(event)

    async def ask_each(self, agents: Sequence[Agent], ask: Ask, *, number: int, kind: str) -> Round:
        """Ask `agents` concurrently; failures and timeouts are recorded, never raised."""

        async def one(agent: Agent) -> tuple[str | None, str | None]:
            started = time.perf_counter()
            try:
                if self.timeout is None:
                    return await ask(agent), None
                async with asyncio.timeout(self.timeout):
                    return await ask(agent), None
            except TimeoutError:
                return None, f"timed out after {time.perf_counter() - started:.1f}s"
            except Exception as exc:
                return None, f"{type(exc).__name__}: {exc}"

        outcomes = await asyncio.gather(*(one(a) for a in agents))
        round_ = Round(number, kind, {})
        for agent, (answer, error) in zip(agents, outcomes, strict=True):
            round_.answers[agent.name] = answer
            if error is not None:
                round_.errors[agent.name] = error
                self.result.errors[agent.name] = error
                self.publish("error", agent.name, error, round=number)
            else:
                self.publish("assistant", agent.name, str(answer), round=number)
        self.result.rounds.append(round_)
        return round_

    async def similarity(self, answers: Mapping[str, str]) -> list[list[float]]:
        """Pairwise cosine similarities of the answers' embeddings (1.0 on the diagonal)."""
        texts = list(answers.values())
        vectors = await self.embedder.embed(texts)
        n = len(vectors)
        return [
            [1.0 if i == j else round(_cos(vectors[i], vectors[j]), 4) for j in range(n)]
            for i in range(n)
        ]

    def consensus_round(self, round_: Round, threshold: float) -> None:
        """Publish a scored round for the Consensus widget (``consensus_round``)."""
        ok = round_.ok
        self._emit(
            "consensus_round",
            {
                "round": round_.number,
                "agents": list(ok),
                "answers": list(ok.values()),
                "matrix": round_.matrix or [],
                "mean": round_.mean,
                "threshold": threshold,
            },
        )


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def mean_offdiagonal(matrix: list[list[float]]) -> float:
    """The mean pairwise similarity (1.0 for fewer than two answers)."""
    n = len(matrix)
    if n < 2:
        return 1.0
    return sum(matrix[i][j] for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
