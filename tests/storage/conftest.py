"""Fixtures of the storage tests: every backend, the S3 one on a real S3-protocol server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from lanner.storage import Storage, storage_from_url
from tests.storage.s3_server import S3TestServer


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3TestServer]:
    server = S3TestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Storage]:
    """An empty storage of each backend; the S3 one in a fresh bucket, under a prefix."""
    if request.param == "local":
        backend = storage_from_url(f"file://{tmp_path / 'storage'}")
    else:
        server: S3TestServer = request.getfixturevalue("s3_server")
        backend = storage_from_url(server.storage_url(server.create_bucket(), "internal"))
    try:
        yield backend
    finally:
        await backend.close()
