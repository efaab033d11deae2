"""Leases with fencing: at most one process drives a durable run (the backend-independent part).

A durable backend keeps one lease row per run — ``(run_id, owner, token,
expires)`` — and implements these verbs (`SqliteStore` does; a PostgreSQL store
implements the same, each verb one transaction):

| verb | what it does |
| --- | --- |
| ``acquire_lease(run_id, owner, *, ttl, wait=0) -> Lease`` | take the lease if it is free, expired, held by `owner`, or held by a dead process of this host; raise the token by one; otherwise `RunLeased` (naming owner and expiry), or poll until `wait` seconds have passed |
| ``renew_lease(lease, *, ttl) -> Lease`` | extend it if its token is still the row's; otherwise `LeaseLost` |
| ``release_lease(lease)`` | free it (owner ``''``, expired) if its token is still the row's; the token stays, so it only grows |
| ``renew_owner(owner, *, ttl) -> int`` | extend every unexpired lease of `owner` (the heartbeat of the `LeaseKeeper`) |
| commit fencing | in the commit's transaction, one read for the batch: the runs whose row token differs from the writer's (SQLite: ``json_each`` over ``{run_id: token}`` joined with the lease rows); such a run gets none of its entries written and its driver gets `LeaseLost`; every ``ttl / 3`` the commit also extends the leases of its runs and of the owner |

Why it is safe: the token of a run only grows and every acquisition raises it
in a transaction, so once another process has taken a run, no commit carrying
the older token can write again. A driver also refuses to start an effect when
its lease may have lapsed (`Lease.fresh`) without first renewing it in the
store: a process frozen past its expiry cannot run an effect whose result the
new owner has journaled. Leases rely on the clocks of the processes sharing a
store agreeing to well under `LeasePolicy.ttl` (one host; NTP across hosts).

New runs need no acquisition: the lease row (token 1) is written in the same
transaction as the run's first entries. A run releases its lease when it ends;
a process that dies leaves leases that expire after `ttl` — or at once for a
resumer on the same host, which sees that the owner's process is gone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from fsmnb.errors import LeaseLost, RunLeased

__all__ = ("Lease", "LeaseKeeper", "LeasePolicy", "lease_lost", "owner_is_dead", "process_owner")

_log = logging.getLogger("fsmnb")


@dataclass(frozen=True, slots=True)
class Lease:
    """The right to drive one durable run, held by one process until `expires`.

    Attributes:
        run_id: the run.
        owner: who holds it (``"host:pid:random"``, see `process_owner`).
        token: the fencing token, raised at every acquisition; a commit carrying an
            older token is refused.
        expires: when it lapses unless renewed (seconds since the epoch).
    """

    run_id: str
    owner: str
    token: int
    expires: float

    def fresh(self, margin: float) -> bool:
        """Whether it surely holds for `margin` more seconds (no other process can have it)."""
        return self.expires - time.time() > margin


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    """How long leases last and how a second driver is treated.

    Attributes:
        ttl: seconds a lease lasts unless renewed (renewed every ``ttl / 3``).
        wait: seconds `fsmnb.resume` waits for another owner's lease to end before
            it raises `RunLeased` (0: raise at once).
    """

    ttl: float = 30.0
    wait: float = 0.0

    @property
    def renew_every(self) -> float:
        """Seconds between two renewals."""
        return self.ttl / 3

    @property
    def margin(self) -> float:
        """A lease with less than this left is renewed in the store before an effect runs."""
        return self.ttl / 2


_OWNER: list[tuple[int, str]] = []


def process_owner() -> str:
    """This process's owner id, ``"host:pid:random"`` (a new one in a forked child)."""
    pid = os.getpid()
    if not _OWNER or _OWNER[0][0] != pid:
        _OWNER[:] = [(pid, f"{socket.gethostname()}:{pid}:{secrets.token_hex(4)}")]
    return _OWNER[0][1]


def owner_is_dead(owner: str) -> bool:
    """Whether `owner` is a process of this host that no longer runs (its leases are void).

    Only a process id that certainly does not exist counts: an owner of another
    host, or a pid that runs (even reused by another program), waits for expiry.
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False


def run_leased(run_id: str, owner: str, expires: float, path: str) -> RunLeased:
    """The error for a second driver: who holds the run, until when, and what to do."""
    left = max(0.0, expires - time.time())
    return RunLeased(
        f"Run `{run_id}` in `{path}` is driven by `{owner}` (lease until "
        f"{time.strftime('%H:%M:%S', time.localtime(expires))}, {left:.0f} s from now). "
        f"Wait for that process to end or stop it; pass `wait=` to `fsmnb.resume` to wait "
        f"for the lease, which expires if its owner dies.",
        run_id=run_id,
        owner=owner,
        expires=expires,
    )


def lease_lost(run_id: str, owner: str, expires: float, path: str) -> LeaseLost:
    """The error of a driver whose lease was taken over: it must not write or run effects."""
    return LeaseLost(
        f"Run `{run_id}` in `{path}` was taken over by `{owner or 'nobody'}` after this "
        f"process's lease lapsed; this process stops driving it (its entries since its last "
        f"commit are not journaled). The new owner continues it from the journal.",
        run_id=run_id,
        owner=owner,
        expires=expires,
    )


class LeaseKeeper:
    """Renews a store's leases on the running loop every `LeasePolicy.renew_every` seconds.

    Args:
        renew: renews every lease this process holds in the store (one transaction);
            returns how many it renewed.
        policy: the ttl it renews for.

    It renews while the store holds a lease and a loop runs; commits renew the
    leases of the runs they write too, so a process without a loop (a script
    calling `Manager.send_many`) keeps the leases of the runs it drives.
    """

    def __init__(self, renew: Callable[[], int], policy: LeasePolicy) -> None:
        self.renew = renew
        self.policy = policy
        self.renewals = 0
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def hold(self) -> None:
        """Note that the store holds a lease: keep renewing (armed on the running loop)."""
        timer = self._timer
        if timer is not None and self._loop is not None and not self._loop.is_closed():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._loop = loop
        self._timer = loop.call_later(self.policy.renew_every, self._tick)

    def stop(self) -> None:
        """Stop renewing."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None

    def _tick(self) -> None:
        self._timer = None
        try:
            held = self.renew()
        except Exception:
            _log.warning("fsmnb: renewing leases failed; retrying soon", exc_info=True)
            held = 1
        self.renewals += 1
        if held and self._loop is not None and not self._loop.is_closed():
            self._timer = self._loop.call_later(self.policy.renew_every, self._tick)
