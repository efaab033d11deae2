"""A real IPython kernel (jupyter_client) for the magics' integration tests."""

from __future__ import annotations

import queue
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager

__all__ = ("Kernel", "Reply")


@dataclass
class Reply:
    """What one executed cell produced."""

    status: str = ""
    stdout: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)


class Kernel:
    """A kernel running this interpreter; `execute` a cell and collect its outputs."""

    def __init__(self) -> None:
        self.manager = KernelManager()
        spec = self.manager.kernel_spec
        assert spec is not None
        spec.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def execute(
        self,
        code: str,
        *,
        timeout: float = 60,
        on_stream: Callable[[str], None] | None = None,
    ) -> Reply:
        """Run `code`; `on_stream(text)` is called for each piece of stdout as it arrives."""
        msg_id = self.client.execute(code)
        reply = Reply()
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"the kernel did not finish {code!r} in {timeout} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                reply.stdout += content["text"]
                if on_stream is not None:
                    on_stream(content["text"])
            elif kind == "error":
                reply.errors.append(content)
            elif kind in ("execute_result", "display_data"):
                reply.outputs.append(content["data"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        while True:
            shell = self.client.get_shell_msg(timeout=timeout)
            if shell["parent_header"].get("msg_id") == msg_id:
                reply.status = shell["content"]["status"]
                return reply

    def interrupt(self) -> None:
        """Press the interrupt button."""
        self.manager.interrupt_kernel()

    def close(self) -> None:
        """Shut the kernel down."""
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
