"""Crash tests kill processes on PostgreSQL; SQLite's embedded mode has one process only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.crash.processes import Component


@pytest.fixture
def components(tmp_path: Path) -> Iterator[list[Component]]:
    """Processes started by a test; all are killed at its end, and their logs shown on failure."""
    started: list[Component] = []
    yield started
    for component in started:
        component.kill()


@pytest.fixture
def crash_database() -> Iterator[str]:
    name = postgres.create_database()
    try:
        yield postgres.server_url(name)
    finally:
        postgres.drop_database(name)
