"""The agents' fixtures (scripted models by type, telemetry, clean catalogs) for integration tests."""

from tests.unit.agents.conftest import _clean_agents, by_type, events  # noqa: F401
