"""`SignalView`: a supervision tree and the signal flow (routes, rates, dead letters), live.

    view = SignalView(router, supervisor)
    view                     # in a cell: redraws as signals flow and children restart

It listens to the router (each publish, failure and dead letter) and to the
supervisor (started, crashed, restarted, escalated) and coalesces redraws
like every `LiveWidget`. Rates are deliveries per second between flushes.
"""

from __future__ import annotations

import time
from typing import Any

import traitlets as t

from fsmnb.widgets._assets import asset
from fsmnb.widgets._live import LiveWidget

__all__ = ("SignalView",)

_DEAD_SHOWN = 12
_EVENTS_SHOWN = 12


class SignalView(LiveWidget):
    """The live view of a router and a supervision tree (either may be None).

    Args:
        router: a `fsmnb.signals.Router`.
        supervisor: a `fsmnb.signals.Supervisor`.
        title: a heading.

    Traits (same names in `widgets/signal_view.js`):
        tree: the supervisor's `health()` (nested children).
        routes: ``{pattern, target, kind, priority, delivered, failed, rate}`` per route.
        totals: ``{published, delivered, dead_lettered, in_flight, rate}``.
        dead_letters: the latest ``{type, reason, route}``.
        events: the latest supervision events ``{event, child, detail}``.
        title: the heading.
    """

    _esm = asset("signal_view.js")
    _css = asset("signal_view.css")

    tree = t.Dict().tag(sync=True)
    routes: t.List[dict[str, Any]] = t.List().tag(sync=True)
    totals = t.Dict().tag(sync=True)
    dead_letters: t.List[dict[str, Any]] = t.List().tag(sync=True)
    events: t.List[dict[str, Any]] = t.List().tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(
        self, router: Any = None, supervisor: Any = None, *, title: str = "", **kwargs: Any
    ) -> None:
        super().__init__(title=title, **kwargs)
        self.router = router
        self.supervisor = supervisor
        self._events: list[dict[str, str]] = []
        self._last: tuple[float, int, list[int]] | None = None
        if router is not None:
            self._own(router.subscribe(lambda kind, signal, route: self._touch()))
        if supervisor is not None:
            self._own(supervisor.subscribe(self._on_supervision))
        self.flush()

    def _on_supervision(self, event: str, child: str, detail: str) -> None:
        self._events.append({"event": event, "child": child, "detail": detail})
        del self._events[:-_EVENTS_SHOWN]
        self._touch()

    def refresh(self) -> None:
        """Redraw now (counters that changed without a signal, such as an agent's state)."""
        self.flush()

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"events": list(self._events)}
        if self.supervisor is not None:
            values["tree"] = self.supervisor.health()
        if self.router is not None:
            stats = self.router.stats()
            now = time.monotonic()
            counts = [r["delivered"] for r in stats["routes"]]
            rates = [0.0] * len(counts)
            total_rate = 0.0
            if self._last is not None and now > self._last[0]:
                dt = now - self._last[0]
                total_rate = (stats["published"] - self._last[1]) / dt
                if len(self._last[2]) == len(counts):
                    rates = [(c - p) / dt for c, p in zip(counts, self._last[2], strict=True)]
            self._last = (now, stats["published"], counts)
            values["routes"] = [
                {**r, "rate": round(rate, 1)}
                for r, rate in zip(stats["routes"], rates, strict=True)
            ]
            values["totals"] = {
                k: stats[k] for k in ("published", "delivered", "dead_lettered", "in_flight")
            } | {"rate": round(total_rate, 1)}
            values["dead_letters"] = [
                {
                    "type": d.signal.type if d.signal is not None else "(refused at the edge)",
                    "reason": d.reason[:200],
                    "route": d.route or "",
                }
                for d in list(self.router.dead_letters)[-_DEAD_SHOWN:]
            ]
        return values

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        text = self.text()
        if isinstance(bundle, tuple):
            bundle[0]["text/plain"] = text
        elif isinstance(bundle, dict):
            bundle["text/plain"] = text
        return bundle

    def text(self) -> str:
        """The view as plain text (for exported notebooks and nbval)."""
        lines = [self.title] if self.title else []
        if self.tree:
            lines += _tree_lines(self.tree, 0)
        if self.totals:
            tot = self.totals
            lines.append(
                f"signals: {tot['published']} published, {tot['delivered']} delivered, "
                f"{tot['dead_lettered']} dead-lettered"
            )
            lines += [
                f"  {r['pattern']:<24} -> {r['target']:<32} p={r['priority']:<4} "
                f"delivered={r['delivered']} failed={r['failed']}"
                for r in self.routes
            ]
        return "\n".join(lines)


def _tree_lines(node: dict[str, Any], depth: int) -> list[str]:
    extra = f" {node['strategy']}" if node.get("strategy") else ""
    restarts = f", restarts={node['restarts']}" if node.get("restarts") else ""
    lines = [
        f"{'  ' * depth}{node.get('kind', '')} {node.get('name')}: {node.get('status')}{extra}{restarts}"
    ]
    for child in node.get("children", ()):
        lines += _tree_lines(child, depth + 1)
    return lines
