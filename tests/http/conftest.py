"""Fixtures of the HTTP task tests: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.http.server import HttpTestServer


@pytest.fixture(scope="session")
def server() -> Iterator[HttpTestServer]:
    running = HttpTestServer()
    running.start()
    try:
        yield running
    finally:
        running.stop()
