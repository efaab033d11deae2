"""A real IPython kernel (jupyter_client, as nbclient uses it) and its comm traffic."""

from __future__ import annotations

import queue
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("anywidget")

WIDGET_TARGET = "jupyter.widget"


class Kernel:
    """Run code in a live kernel and collect what it sends on iopub."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.messages: list[dict[str, Any]] = []  # every iopub message seen so far

    def execute(self, code: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Run `code`; return the iopub messages it caused until the kernel is idle again.

        Raises:
            AssertionError: the code raised (the traceback is in the message).
        """
        msg_id = self.client.execute(textwrap.dedent(code))
        mine: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next(deadline - time.monotonic())
            if msg is None:
                raise AssertionError(f"kernel did not finish within {timeout}s:\n{code}")
            if msg["parent_header"].get("msg_id") == msg_id:
                mine.append(msg)
                if msg["msg_type"] == "error":
                    raise AssertionError("\n".join(msg["content"]["traceback"]))
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return mine

    def value(self, expression: str) -> Any:
        """Evaluate `expression` in the kernel and return its text/plain result."""
        for msg in self.execute(expression):
            if msg["msg_type"] == "execute_result":
                return msg["content"]["data"]["text/plain"]
        raise AssertionError(f"`{expression}` gave no result")

    def wait_for(
        self, check: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """Read iopub until a message satisfies `check` (already seen messages count too)."""
        for msg in self.messages:
            if check(msg):
                return msg
        deadline = time.monotonic() + timeout
        while (msg := self._next(deadline - time.monotonic())) is not None:
            if check(msg):
                return msg
        raise AssertionError(f"no matching message within {timeout}s")

    def drain(self, seconds: float = 0.3) -> None:
        """Collect whatever arrives in the next `seconds`."""
        deadline = time.monotonic() + seconds
        while self._next(deadline - time.monotonic()) is not None:
            pass

    def _next(self, timeout: float) -> dict[str, Any] | None:
        if timeout <= 0:
            return None
        try:
            msg: dict[str, Any] = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self.messages.append(msg)
        return msg

    # -- widgets ---------------------------------------------------------------------------------

    def widget_opens(self, module_class: str) -> list[dict[str, Any]]:
        """comm_open messages of widgets whose anywidget id is `module_class`."""
        return [
            m
            for m in self.messages
            if m["msg_type"] == "comm_open"
            and m["content"].get("target_name") == WIDGET_TARGET
            and m["content"]["data"]["state"].get("_anywidget_id") == module_class
        ]

    def updates(self, comm_id: str) -> list[dict[str, Any]]:
        """The state dicts of every `update` sent to the front end for this comm, in order."""
        return [
            m["content"]["data"]["state"]
            for m in self.messages
            if m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("method") == "update"
        ]

    def latest(self, comm_id: str) -> dict[str, Any]:
        """The front end's picture of the widget: its opening state with every update applied."""
        state: dict[str, Any] = {}
        for m in self.messages:
            if m["msg_type"] == "comm_open" and m["content"]["comm_id"] == comm_id:
                state.update(m["content"]["data"]["state"])
        for update in self.updates(comm_id):
            state.update(update)
        return state

    def click(self, comm_id: str, content: dict[str, Any]) -> None:
        """What a widget's `model.send(content)` sends from the browser."""
        msg = self.client.session.msg(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": content}}
        )
        self.client.shell_channel.send(msg)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    """One kernel per test module (starting one takes a second or two)."""
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        k = Kernel(client)
        k.execute("import asyncio, fsmnb\nfrom fsmnb import Workflow")
        yield k
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
