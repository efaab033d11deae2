"""Run a model in a child process, so that a crash in native code is an error, not a dead kernel.

llama-cpp-python runs llama.cpp in the calling process; when llama.cpp fails
inside C (a grammar it cannot compile, an AMX kernel on the wrong CPU) the
process gets SIGSEGV — in a notebook a dead kernel, under ``fsmnb mcp`` a dead
server. `ChildModel` keeps the model in a separate process (``spawn``, not
``fork``: a kernel has threads, and forking them is unsafe), talks to it over a
pipe, and turns the child's death into ``ProviderError("the local model
crashed; …")``. The next request starts a fresh child (the model is loaded again).

The child runs ``worker(request_dict, emit) -> completion_dict`` made by the
factory named ``"module:function"`` (called once per child with its arguments):
`emit(text)` streams a fragment back. Everything crossing the pipe is plain
data (dicts, strings, numbers).
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import signal
import threading
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from fsmnb.errors import ProviderError

__all__ = ("ChildModel", "Worker")

#: ``worker(request, emit) -> completion``: what a factory returns, run in the child.
Worker = Callable[[Mapping[str, Any], Callable[[str], None]], Mapping[str, Any]]


def _serve(conn: Connection, factory: str, args: tuple[Any, ...]) -> None:  # pragma: no cover
    """The child's loop (runs in the child process; coverage cannot see it)."""
    module, _, name = factory.partition(":")
    try:
        worker: Worker = getattr(importlib.import_module(module), name)(*args)
    except BaseException as exc:  # report why loading failed, then end
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            done = worker(request, lambda text: conn.send(("delta", text)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {str(exc)[:500]}"))
        else:
            conn.send(("done", dict(done)))


class ChildModel:
    """A model served by a child process that may crash without taking this one down.

    Args:
        factory: ``"module:function"``; ``function(*args)`` returns the `Worker` (in the child).
        args: plain-data arguments of the factory.
        label: the model string, for error messages.
        timeout: seconds one request may take before the child is killed.
    """

    def __init__(
        self, factory: str, args: tuple[Any, ...] = (), *, label: str, timeout: float = 600.0
    ) -> None:
        self.factory = factory
        self.args = args
        self.label = label
        self.timeout = timeout
        self._process: Any = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # one request at a time per child

    def __repr__(self) -> str:
        alive = self._process is not None and self._process.is_alive()
        return f"<ChildModel {self.label} {'running' if alive else 'stopped'}>"

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    async def request(
        self, request: Mapping[str, Any], on_delta: Callable[[str], None] | None = None
    ) -> dict[str, Any]:
        """Send `request` to the child and return its completion; fragments go to `on_delta`.

        Raises:
            ProviderError: the child crashed, timed out or the model raised (the
                message says which, and what to try).
        """
        loop = asyncio.get_running_loop()

        def emit(text: str) -> None:
            if on_delta is not None:
                loop.call_soon_threadsafe(on_delta, text)

        return await asyncio.to_thread(self._exchange, dict(request), emit)

    def _exchange(self, request: dict[str, Any], emit: Callable[[str], None]) -> dict[str, Any]:
        with self._lock:
            conn = self._ensure()
            try:
                conn.send(request)
                while True:
                    if not conn.poll(self.timeout):
                        self._stop(kill=True)
                        raise ProviderError(
                            f"`{self.label}` did not answer within {self.timeout:g} s; the local "
                            "model was stopped. Ask for fewer tokens or raise the timeout.",
                            provider="local",
                            model=self.label,
                        )
                    kind, value = conn.recv()
                    if kind == "delta":
                        emit(str(value))
                    elif kind == "done":
                        return dict(value)
                    else:
                        raise ProviderError(
                            f"`{self.label}` failed: {value}", provider="local", model=self.label
                        )
            except (EOFError, OSError, BrokenPipeError):
                raise self._crashed() from None

    def _ensure(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            return self._conn
        self._stop(kill=True)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, self.factory, self.args), daemon=True, name=self.label
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        try:
            kind, value = parent.recv()
        except (EOFError, OSError):
            raise self._crashed("while loading") from None
        if kind != "ready":
            self._stop(kill=True)
            raise ProviderError(
                f"`{self.label}` could not be loaded: {value}", provider="local", model=self.label
            )
        return parent

    def _crashed(self, when: str = "") -> ProviderError:
        process = self._process
        if process is not None:
            process.join(5)
        code = process.exitcode if process is not None else None
        how = f"exit code {code}"
        if isinstance(code, int) and code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        self._stop(kill=True)
        return ProviderError(
            f"the local model crashed{' ' + when if when else ''} ({how}); `{self.label}` runs in "
            "a child process, so this process is unharmed and the next call starts it again. "
            "Try a simpler schema, fewer tokens, or a portable llama-cpp-python build "
            "(docs/llm.md).",
            provider="local",
            model=self.label,
        )

    def _stop(self, *, kill: bool = False) -> None:
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            try:
                if not kill:
                    conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            conn.close()
        if process is not None:
            if kill and process.is_alive():
                process.kill()
            process.join(5)

    def close(self) -> None:
        """Stop the child (politely)."""
        with self._lock:
            self._stop()
