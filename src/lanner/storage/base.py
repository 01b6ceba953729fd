"""The internal storage interface that every backend implements."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from lanner.errors import ConfigurationError, FileNotFoundInStorage


@dataclass(frozen=True)
class StoredObject:
    """A stored file as a listing or a stat returns it."""

    key: str
    size: int
    updated: datetime | None = None
    version: str | None = None  # an ETag or checksum that changes whenever the content does


@dataclass(frozen=True)
class StoredContent:
    """The content of a stored file together with the metadata of that same content."""

    stored: StoredObject
    data: bytes


class Storage(abc.ABC):
    """Async key-value file store. Keys are `/`-separated paths without a leading `/`."""

    @abc.abstractmethod
    async def put(self, key: str, data: bytes) -> StoredObject: ...

    @abc.abstractmethod
    async def get(self, key: str) -> bytes:
        """Read a whole file; raise FileNotFoundInStorage when the key does not exist."""

    @abc.abstractmethod
    async def stat(self, key: str) -> StoredObject | None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """Delete a file; return False when it did not exist."""

    @abc.abstractmethod
    def list(self, prefix: str) -> AsyncIterator[StoredObject]:
        """Yield every file whose key starts with `prefix`, following every page of the listing."""

    async def fetch(self, key: str) -> StoredContent:
        """Read a file and the version of what was read; raise FileNotFoundInStorage if missing.

        This default makes two requests, so a concurrent write can pair the content with
        another version; backends override it with one consistent read.
        """
        stored = await self.stat(key)
        if stored is None:
            raise FileNotFoundInStorage(f"no file is stored at {key!r}")
        return StoredContent(stored, await self.get(key))

    async def copy(self, source: str, destination: str) -> None:
        """Copy a file to another key, replacing what is there."""
        await self.put(destination, await self.get(source))

    async def move(self, source: str, destination: str) -> None:
        """Move a file to another key, replacing what is there."""
        await self.copy(source, destination)
        await self.delete(source)

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every file under `prefix`; return how many were deleted."""
        keys = [stored.key async for stored in self.list(prefix)]
        deleted = 0
        for key in keys:
            deleted += await self.delete(key)
        return deleted

    async def close(self) -> None:  # noqa: B027 - a no-op default, overridden where needed
        """Release connections; the default backend holds none."""


def storage_from_url(url: str) -> Storage:
    """Create the storage backend a URL selects.

    `file:///path` (or a bare path) selects the local file system; `s3://bucket/prefix?...`
    an S3-compatible object store (see `lanner.storage.s3_url` for the parameters).
    """
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        from lanner.storage.local import LocalStorage

        return LocalStorage(parsed.path if parsed.scheme else url)
    if parsed.scheme == "s3":
        from lanner.storage.s3 import S3Storage
        from lanner.storage.s3_url import parse_s3_url

        return S3Storage(parse_s3_url(url))
    raise ConfigurationError(
        f"unsupported storage URL {url!r}: use file:///absolute/path for the local file system "
        "or s3://bucket/prefix for an S3-compatible object store"
    )
