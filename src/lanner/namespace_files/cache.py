"""A worker's in-memory cache of namespace file contents, keyed by the stored version.

A key is (namespace, path, version), where the version is the stored object's ETag or
checksum as the listing returns it, so a file that changed is simply another key and no entry
is ever stale. The cache keeps at most `max_bytes` bytes of content and evicts the least
recently used entries first. Two tasks that need the same missing entry at the same time share
one download.

The cache belongs to one event loop (the worker's) and is not thread-safe.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from lanner.storage import StoredContent


class CacheKey(NamedTuple):
    namespace: str
    path: str
    version: str


class ContentCache:
    """Least-recently-used file contents, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._loading: dict[CacheKey, asyncio.Future[bytes]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: CacheKey) -> bool:
        return key in self._entries

    def get(self, key: CacheKey) -> bytes | None:
        data = self._entries.get(key)
        if data is not None:
            self._entries.move_to_end(key)
        return data

    def put(self, key: CacheKey, data: bytes) -> None:
        """Keep `data`, evicting old entries to make room; skip it if larger than the cache."""
        if len(data) > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size -= len(previous)
        while self._entries and self.size + len(data) > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted)
        self._entries[key] = data
        self.size += len(data)

    async def get_or_load(
        self, key: CacheKey, load: Callable[[], Awaitable[StoredContent]]
    ) -> tuple[bytes, bool]:
        """Return the content for `key` and whether it came from the cache.

        On a miss, `load` reads the file; callers asking for the same key meanwhile wait for
        that read instead of starting their own. The content is kept under the version `load`
        actually read, which differs from `key.version` when the file changed since it was
        listed.
        """
        while True:
            data = self.get(key)
            if data is not None:
                self.hits += 1
                return data, True
            pending = self._loading.get(key)
            if pending is None:
                break
            try:
                return await asyncio.shield(pending), True
            except asyncio.CancelledError:
                # When the task that was reading the file was cancelled, read it here instead;
                # when this task is the one cancelled, stop.
                if not pending.cancelled():
                    raise
        self.misses += 1
        return await self._load(key, load), False

    async def _load(self, key: CacheKey, load: Callable[[], Awaitable[StoredContent]]) -> bytes:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            content = await load()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as error:
            future.set_exception(error)
            # Waiters re-raise the error; without any, asyncio would log it as never retrieved.
            future.exception()
            raise
        finally:
            del self._loading[key]
        read_key = key._replace(version=content.stored.version or key.version)
        self.put(read_key, content.data)
        future.set_result(content.data)
        return content.data
