"""Fixtures of the label tests: the API of a running instance."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lanner.api.app import create_app
from tests.support import InstanceHarness


@pytest.fixture
async def api(instance: InstanceHarness) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API of a running instance, on each backend."""
    transport = httpx.ASGITransport(app=create_app(instance.instance))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://lanner.test/api/v1", timeout=60
    ) as client:
        yield client
