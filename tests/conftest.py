"""Fixtures shared by the test suite: backends, instances, flows run to their end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.support import InstanceHarness


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lanner.db'}"
        return
    name = postgres.create_database()
    try:
        yield postgres.server_url(name)
    finally:
        postgres.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lanner.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = postgres.create_database()
    try:
        yield postgres.server_url(name)
    finally:
        postgres.drop_database(name)


@pytest.fixture
async def instance(database_url: str, tmp_path: Path) -> AsyncIterator[InstanceHarness]:
    """A running instance (executor and worker) on each backend."""
    harness = InstanceHarness(database_url, tmp_path)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
