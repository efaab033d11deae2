"""A clean LLM layer (and vector indexes) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fsmnb.llm import index
from tests.unit.llm.conftest import fresh_llm_state

_ = fresh_llm_state


@pytest.fixture(autouse=True)
def fresh_indexes() -> Iterator[None]:
    saved = dict(index._INDEXES)
    index._INDEXES.clear()
    yield
    index._INDEXES.clear()
    index._INDEXES.update(saved)
