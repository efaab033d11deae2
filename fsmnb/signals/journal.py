"""The signal journal: every signal a router accepted, in order, to replay later.

In memory it keeps the last `limit` signals; with a `path` it also appends
each one as a JSON line (a structured-mode CloudEvent), so a later process can
`SignalJournal.load(path)` and `replay` it into a router.
"""

from __future__ import annotations

import collections
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fsmnb.errors import SignalError
from fsmnb.signals.signal import Signal

__all__ = ("SignalJournal",)


class SignalJournal:
    """An append-only, bounded record of signals (`seq`, signal).

    Args:
        limit: signals kept in memory (the oldest are dropped first).
        path: a JSON-lines file to append to as well (opened lazily, line-buffered).
    """

    def __init__(self, *, limit: int = 100_000, path: str | Path | None = None) -> None:
        self.limit = limit
        self.path = Path(path) if path is not None else None
        self._entries: collections.deque[tuple[int, Signal]] = collections.deque(maxlen=limit)
        self._seq = 0
        self._file: io.TextIOWrapper | None = None

    def append(self, signal: Signal) -> int:
        """Record `signal`; returns its sequence number (1, 2, …)."""
        self._seq += 1
        self._entries.append((self._seq, signal))
        if self.path is not None:
            if self._file is None:
                self._file = self.path.open("a", encoding="utf-8", buffering=1)
            self._file.write(signal.model_dump_json() + "\n")
        return self._seq

    @property
    def last_seq(self) -> int:
        """The sequence number of the latest signal (0 when empty)."""
        return self._seq

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Signal]:
        return (s for _, s in self._entries)

    def since(self, seq: int = 0, *, types: Callable[[str], bool] | None = None) -> list[Signal]:
        """Signals recorded after `seq`, optionally only those whose type `types` accepts."""
        return [s for n, s in self._entries if n > seq and (types is None or types(s.type))]

    def replay(self, router: Any, *, since: int = 0) -> int:
        """Publish the signals after `since` into `router` again (unjournaled); deliveries made."""
        return sum(router.publish(s, journal=False) for s in self.since(since))

    def close(self) -> None:
        """Close the file, if any."""
        if self._file is not None:
            self._file.close()
            self._file = None

    @classmethod
    def load(cls, path: str | Path, *, limit: int = 100_000) -> SignalJournal:
        """A journal holding the signals of a JSON-lines file (each line validated).

        Raises:
            SignalError: naming the line that is not a valid signal.
        """
        journal = cls(limit=limit)
        with Path(path).open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    journal.append(Signal.parse(line))
                except SignalError as e:
                    raise SignalError(f"`{path}` line {number}: {e}", problems=e.problems) from None
        return journal

    def __repr__(self) -> str:
        return f"<SignalJournal {len(self)} signals, last seq {self._seq}>"
