"""Fixtures shared by the effects tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fsmnb.effects import register_callable, unregister_callable

from .strategies import REGISTERED


@pytest.fixture(scope="session", autouse=True)
def registered_callables() -> Iterator[dict[str, Callable[..., Any]]]:
    """Register the test callables for the whole session; forget them afterwards."""
    for name, fn in REGISTERED.items():
        register_callable(name, fn)
    yield REGISTERED
    for name in REGISTERED:
        unregister_callable(name)
