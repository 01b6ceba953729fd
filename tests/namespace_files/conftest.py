"""Fixtures of the namespace file tests: both storage backends, S3 on a real S3-protocol server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from lanner.namespace_files import NamespaceFiles
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


@pytest.fixture
async def s3_storage(s3_server: S3TestServer) -> AsyncIterator[Storage]:
    """An S3 storage in a fresh bucket, with the server's download gauge reset."""
    s3_server.gauge.reset()
    backend = storage_from_url(s3_server.storage_url(s3_server.create_bucket(), "internal"))
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """An empty storage of each backend."""
    if request.param == "s3":
        server: S3TestServer = request.getfixturevalue("s3_server")
        server.gauge.reset()
        backend = storage_from_url(server.storage_url(server.create_bucket(), "internal"))
    else:
        backend = storage_from_url(f"file://{tmp_path / 'storage'}")
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def files(storage: Storage) -> NamespaceFiles:
    return NamespaceFiles(storage)
