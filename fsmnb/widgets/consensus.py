"""`Consensus`: each round's answers, their similarity heatmap, and the mean against the threshold.

It listens to telemetry of kind ``consensus_round`` (data: ``round``, ``agents``,
``answers``, ``matrix``, ``mean``, ``threshold``, optionally ``phase``), published by
the agents' consensus coordination; `add_round()` does the same from Python. A
round's phase (e.g. "draft" or "review") labels it when one workflow runs several
consensus steps; without one, the state that held the round does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import traitlets as t

from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.widgets._assets import asset
from fsmnb.widgets._live import LiveWidget

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("Consensus", "mean_similarity")


def mean_similarity(matrix: Sequence[Sequence[float]]) -> float:
    """The mean of the off-diagonal entries (1.0 for fewer than two agents)."""
    n = len(matrix)
    if n < 2:
        return 1.0
    total = sum(float(matrix[i][j]) for i in range(n) for j in range(n) if i != j)
    return total / (n * (n - 1))


class Consensus(LiveWidget):
    """Consensus rounds between agents, live.

    Args:
        run: listen to this run's telemetry; `None` with `listen=True` listens to the whole bus.
        listen: subscribe to the global telemetry bus when no run is given.
        threshold: the agreement needed, until a round says otherwise.
        title: a heading.

    Traits (same names in `widgets/consensus.js`):
        rounds: ``{round, agents, answers, matrix, mean, threshold, reached, phase}`` dicts.
        threshold: the latest threshold. title: the heading.
    """

    _esm = asset("consensus.js")
    _css = asset("consensus.css")

    rounds: t.List[dict[str, Any]] = t.List().tag(sync=True)
    threshold = t.Float(0.8).tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        run: Run | None = None,
        *,
        listen: bool = False,
        threshold: float = 0.8,
        title: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(threshold=threshold, title=title, **kwargs)
        self._rounds: list[dict[str, Any]] = []
        self._threshold = threshold
        if run is not None:
            self._own(run.subscribe(self.handle))
        elif listen:
            self._own(bus.subscribe(self.handle))

    def add_round(
        self,
        answers: Mapping[str, str] | Sequence[str],
        matrix: Sequence[Sequence[float]],
        *,
        agents: Sequence[str] | None = None,
        mean: float | None = None,
        threshold: float | None = None,
        round: int | None = None,
        phase: str = "",
    ) -> dict[str, Any]:
        """Add one round; returns it as shown (mean computed from `matrix` when not given).

        Raises:
            ValueError: `matrix` is not square with one row per answer.
        """
        if isinstance(answers, Mapping):
            agents = list(agents or answers.keys())
            texts = [str(answers[a]) for a in agents]
        else:
            texts = [str(a) for a in answers]
            agents = list(agents or (f"agent {i + 1}" for i in range(len(texts))))
        rows = [[float(x) for x in r] for r in matrix]
        if len(rows) != len(texts) or any(len(r) != len(texts) for r in rows):
            raise ValueError(
                f"The similarity matrix must be {len(texts)}×{len(texts)} (one row and column "
                f"per answer), got {len(rows)} rows of lengths {[len(r) for r in rows]}."
            )
        if threshold is not None:
            self._threshold = float(threshold)
        score = mean_similarity(rows) if mean is None else float(mean)
        entry = {
            "round": len(self._rounds) + 1 if round is None else int(round),
            "agents": [str(a) for a in agents],
            "answers": texts,
            "matrix": rows,
            "mean": score,
            "threshold": self._threshold,
            "reached": score >= self._threshold,
            "phase": phase,
        }
        self._rounds.append(entry)
        self._touch()
        return entry

    def handle(self, event: TelemetryEvent) -> None:
        """Apply one telemetry event (kinds other than ``consensus_round`` are ignored)."""
        if event.kind != "consensus_round":
            return
        d = event.data
        answers = d.get("answers") or []
        self.add_round(
            answers,
            d.get("matrix") or [],
            agents=d.get("agents"),
            mean=d.get("mean"),
            threshold=d.get("threshold"),
            round=d.get("round"),
            phase=str(d.get("phase") or event.state or ""),
        )

    def _values(self) -> dict[str, Any]:
        return {"threshold": self._threshold, "rounds": [dict(r) for r in self._rounds]}

    def __repr__(self) -> str:
        return f"Consensus({len(self._rounds)} rounds, threshold={self._threshold})"
