"""Make the kernel's interrupt reach a cell that is awaiting a run.

On an interrupt during an `await` cell, ipykernel's SIGINT handler schedules
the cancellation of the cell with a plain `call_soon`. The handler runs while
the loop sleeps in `select()`, which Python then resumes with its remaining
timeout (PEP 475): the cancellation waits for the loop's next timer, e.g. the
end of a 30-second `delay`. A wake-up file descriptor makes every signal also
wake the loop, so the cell (and with it the run it awaits, see `Run.wait`) is
cancelled at once.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading

__all__ = ("install_interrupt_wakeup",)

_INSTALLED: dict[int, socket.socket] = {}


def install_interrupt_wakeup() -> bool:
    """Wake the running loop on every signal; returns whether a wake-up is in place.

    Does nothing outside the main thread, without a running loop (a terminal
    IPython between cells), or when a wake-up descriptor is set already.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    if id(loop) in _INSTALLED:
        return True
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (ValueError, OSError):
        reader.close()
        writer.close()
        return False
    if previous != -1:  # someone (e.g. asyncio's own signal handling) wakes the loop already
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()
        return True

    def drain() -> None:
        try:
            while reader.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    loop.add_reader(reader.fileno(), drain)
    _INSTALLED[id(loop)] = writer
    return True
