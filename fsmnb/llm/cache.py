"""Request hashing and the response cache (memory, and optionally a SQLite file).

The hash is SHA-256 over the canonical JSON of the request (sorted keys, no
whitespace), so it is stable across processes and Python versions; it never
includes credentials because requests never hold them. The on-disk store is a
single SQLite file from the standard library (no pickle: values are JSON),
which is safe to share between the processes of one machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fsmnb.llm.types import Completion, LLMRequest

__all__ = ("ResponseCache", "request_hash", "response_cache")


def request_hash(request: LLMRequest, *, include_model: bool = True) -> str:
    """A stable hex digest of `request` (without the model when `include_model` is False)."""
    data = request.to_json()
    if not include_model:
        data.pop("model", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ResponseCache:
    """Completions by request hash: an LRU in memory, backed by a SQLite file when `path` is set.

    Args:
        path: the SQLite file (created on first write); None keeps the cache in memory only.
        max_entries: how many entries the memory layer keeps.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, max_entries: int = 1024
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.max_entries = max_entries
        self._memory: OrderedDict[str, Completion] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        return f"<ResponseCache {where} entries={len(self._memory)} hits={self.hits} misses={self.misses}>"

    def get(self, key: str) -> Completion | None:
        """The cached completion for `key`, or None."""
        found = self._memory.get(key)
        if found is None and self.path is not None and self.path.exists():
            row = self._conn().execute("SELECT value FROM replies WHERE key = ?", (key,)).fetchone()
            if row is not None:
                found = Completion.from_json(json.loads(row[0]))
                self._remember(key, found)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._memory.move_to_end(key)
        return found

    def put(self, key: str, completion: Completion) -> None:
        """Keep `completion` under `key` (in memory, and on disk when a path is set)."""
        self._remember(key, completion)
        if self.path is not None:
            value = json.dumps(completion.to_json(), ensure_ascii=False)
            with self._lock:
                conn = self._conn()
                conn.execute(
                    "INSERT OR REPLACE INTO replies (key, value) VALUES (?, ?)", (key, value)
                )
                conn.commit()

    def clear(self) -> None:
        """Forget every entry (the file's too)."""
        self._memory.clear()
        if self.path is not None and self.path.exists():
            with self._lock:
                self._conn().execute("DELETE FROM replies")
                self._conn().commit()

    def __len__(self) -> int:
        return len(self._memory)

    def _remember(self, key: str, completion: Completion) -> None:
        self._memory[key] = completion
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, value TEXT)"
            )
        return self._db


_CACHE: list[ResponseCache] = []


def response_cache(cache: ResponseCache | None = None) -> ResponseCache:
    """The process-wide response cache; pass one to replace it (e.g. with an on-disk one).

    ``FSMNB_LLM_CACHE=path.sqlite`` makes the default cache persist to that file.
    """
    if cache is not None:
        _CACHE[:] = [cache]
    elif not _CACHE:
        _CACHE.append(ResponseCache(os.environ.get("FSMNB_LLM_CACHE") or None))
    return _CACHE[0]


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
