"""The pickle check names what cannot go to another process."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from fsmnb import Workflow
from fsmnb.engine.executors import PoolExecutor, as_executor
from fsmnb.engine.pickling import check_picklable, loads
from fsmnb.errors import SerializationError


def test_a_picklable_object_comes_back_as_bytes() -> None:
    assert loads(check_picklable({"a": [1, 2]}, "Data")) == {"a": [1, 2]}


def test_the_innermost_offender_is_named() -> None:
    lock = threading.Lock()
    with pytest.raises(SerializationError) as caught:
        check_picklable({"ok": 1, "deep": {"lock": lock}}, "Input 0", root="inputs[0]")
    message = str(caught.value)
    assert message.startswith(
        "Input 0 cannot be sent to another process: `inputs[0]['deep']['lock']`"
    )
    assert "'ok'" not in message


def test_a_state_action_closing_over_a_lock_is_named() -> None:
    lock = threading.Lock()
    wf = Workflow("locked")

    @wf.state(initial=True, final=True)
    def only(ctx: Any) -> None:
        with lock:
            pass

    with pytest.raises(SerializationError) as caught:
        check_picklable(wf, "Workflow `locked`", root="workflow")
    assert "`workflow.states['only'].action.<closure lock>`" in str(caught.value)


def test_executors_are_recognised_by_kind() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        assert isinstance(as_executor(pool), PoolExecutor)
    with pytest.raises(TypeError, match=r"distributed\.Client"):
        as_executor(object())
