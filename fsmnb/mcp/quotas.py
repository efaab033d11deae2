"""Per-tenant quotas: live runs, stored bytes and private workflows, and finished-run retention.

Without them one tenant could store ~1 MB per `create_fsm`, forever. The
ledger counts, for each run a client created through this server, the JSON
bytes it brought (start data, then every event payload) and, for each private
workflow, its spec or config. Before a tool stores anything it asks
`Quotas.admit`, which first retires the tenant's finished runs past
retention (the oldest beyond `keep_finished`, and any finished longer than
`finished_ttl` ago), then refuses with a clear error if the tenant would pass
a limit. Runs started outside this server (in a notebook) are never retired.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fsmnb.errors import FsmnbError

if TYPE_CHECKING:
    from fsmnb.engine.manager import Manager

__all__ = ("QuotaExceeded", "Quotas", "TenantQuota", "json_size")

_ENDED = ("done", "failed", "cancelled")


class QuotaExceeded(FsmnbError):
    """A tenant would pass one of its quotas; the message names it and the way out."""


@dataclass(frozen=True)
class TenantQuota:
    """What one tenant may hold on the server.

    Attributes:
        max_live_runs: runs that are running or waiting, at once.
        max_stored_bytes: JSON bytes of start data, payloads and private specs, in all.
        max_private_workflows: workflows built from specs and templates.
        keep_finished: finished runs kept (the newest); older ones are removed.
        finished_ttl: seconds a finished run is kept at most.
    """

    max_live_runs: int = 1_000
    max_stored_bytes: int = 50_000_000
    max_private_workflows: int = 200
    keep_finished: int = 1_000
    finished_ttl: float = 3_600.0


def json_size(value: Any) -> int:
    """The size of `value` as compact JSON, in bytes (what storing it costs at least)."""
    try:
        return len(json.dumps(value, separators=(",", ":"), default=str).encode())
    except (TypeError, ValueError, RecursionError):
        return 0


class Quotas:
    """The per-tenant ledger of what clients stored through this server."""

    def __init__(self, manager: Manager, quota: TenantQuota | None = None) -> None:
        self.manager = manager
        self.quota = quota if quota is not None else TenantQuota()
        self._runs: dict[str, dict[str, int]] = {}  # tenant -> run id -> bytes (creation order)
        self._workflows: dict[str, dict[str, int]] = {}  # tenant -> workflow -> bytes
        self._ended_at: dict[str, float] = {}  # run id -> when retention first saw it ended
        self.retired = 0

    def stored_bytes(self, tenant: str) -> int:
        """The bytes `tenant` holds through this server."""
        return sum(self._runs.get(tenant, {}).values()) + sum(
            self._workflows.get(tenant, {}).values()
        )

    def admit(
        self, tenant: str, *, size: int = 0, runs: int = 0, workflow: str | None = None
    ) -> None:
        """Check that `tenant` may store `size` more bytes, start `runs` runs, add `workflow`.

        Raises:
            QuotaExceeded: naming the quota, the tenant's use and what to do.
        """
        self.retire(tenant)
        q = self.quota
        if runs:
            live = sum(1 for r in self.manager.list(tenant=tenant) if r["status"] not in _ENDED)
            if live + runs > q.max_live_runs:
                raise QuotaExceeded(
                    f"You have {live} live runs; the limit is {q.max_live_runs}. Finish or "
                    "cancel some (send them to a final state) before starting more."
                )
        known = self._workflows.get(tenant, {})
        if (
            workflow is not None
            and workflow not in known
            and (len(known) >= q.max_private_workflows)
        ):
            raise QuotaExceeded(
                f"You have {len(known)} private workflows; the limit is "
                f"{q.max_private_workflows}. Reuse a name to replace one."
            )
        used = self.stored_bytes(tenant) - (known.get(workflow, 0) if workflow else 0)
        if used + size > q.max_stored_bytes:
            raise QuotaExceeded(
                f"This would store {size:,} more bytes on top of your {used:,}; the limit is "
                f"{q.max_stored_bytes:,}. Send smaller data, or let finished runs expire."
            )

    def add_run(self, tenant: str, run_id: str, size: int) -> None:
        """Record a run `tenant` created through this server, holding `size` bytes."""
        self._runs.setdefault(tenant, {})[run_id] = size

    def add_bytes(self, tenant: str, run_id: str, size: int) -> None:
        """Record `size` more bytes (an event payload) held by one of `tenant`'s runs."""
        runs = self._runs.get(tenant)
        if runs is not None and run_id in runs:
            runs[run_id] += size

    def add_workflow(self, tenant: str, name: str, size: int) -> None:
        """Record a private workflow of `tenant` (a spec or a template config of `size` bytes)."""
        self._workflows.setdefault(tenant, {})[name] = size

    def retire(self, tenant: str, now: float | None = None) -> int:
        """Remove `tenant`'s finished runs past retention; return how many were removed."""
        runs = self._runs.get(tenant)
        if not runs:
            return 0
        now = time.monotonic() if now is None else now
        status = {r["run_id"]: r["status"] for r in self.manager.list(tenant=tenant)}
        ended = [rid for rid in runs if status.get(rid, "done") in _ENDED]
        for rid in ended:
            self._ended_at.setdefault(rid, now)
        excess = len(ended) - self.quota.keep_finished
        doomed = [
            rid
            for i, rid in enumerate(ended)
            if i < excess or now - self._ended_at[rid] >= self.quota.finished_ttl
        ]
        for rid in doomed:
            del runs[rid]
            self._ended_at.pop(rid, None)
            if rid in status:
                self.manager.remove(rid, tenant=tenant)
        self.retired += len(doomed)
        return len(doomed)
