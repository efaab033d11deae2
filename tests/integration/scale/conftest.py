"""Real servers for the scale-out tests: one PostgreSQL and one Dask LocalCluster per session."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.scale.pg_server import PgServer

_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server of our own (initdb in a temp dir, loopback, a free port)."""
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server, as a ``postgresql://`` URL."""
    return pg_server.create_database(f"t{next(_databases)}")


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A LocalCluster of two single-threaded worker processes on 127.0.0.1."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def dask_client(dask_cluster: Any) -> Iterator[Any]:
    """A synchronous `distributed.Client` of the session's cluster."""
    from distributed import Client

    with Client(dask_cluster) as client:
        yield client
