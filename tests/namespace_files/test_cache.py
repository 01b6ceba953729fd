"""The content cache: bounded in bytes, least recently used out first, one read per key."""

from __future__ import annotations

import asyncio

import pytest

from lanner.namespace_files import CacheKey, ContentCache
from lanner.storage import StoredContent, StoredObject


def key(name: str, version: str = "v1") -> CacheKey:
    return CacheKey("team", name, version)


def content(data: bytes, version: str = "v1") -> StoredContent:
    return StoredContent(StoredObject("k", len(data), version=version), data)


def test_bounded_in_bytes() -> None:
    cache = ContentCache(max_bytes=10)

    cache.put(key("a"), b"aaaa")
    cache.put(key("b"), b"bbbb")
    cache.put(key("c"), b"cccc")

    assert key("a") not in cache
    assert key("b") in cache
    assert key("c") in cache
    assert cache.size == 8


def test_least_recently_used_out() -> None:
    cache = ContentCache(max_bytes=8)
    cache.put(key("a"), b"aaaa")
    cache.put(key("b"), b"bbbb")

    assert cache.get(key("a")) == b"aaaa"
    cache.put(key("c"), b"cccc")

    assert key("a") in cache
    assert key("b") not in cache


def test_too_large_not_kept() -> None:
    cache = ContentCache(max_bytes=3)
    cache.put(key("a"), b"aa")

    cache.put(key("big"), b"bbbb")

    assert key("big") not in cache
    assert key("a") in cache


def test_versions_separate() -> None:
    cache = ContentCache(max_bytes=100)

    cache.put(key("a", "v1"), b"one")

    assert cache.get(key("a", "v2")) is None


async def test_concurrent_callers_share_one_read() -> None:
    cache = ContentCache(max_bytes=100)
    reads = 0

    async def load() -> StoredContent:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)
        return content(b"data")

    results = await asyncio.gather(*(cache.get_or_load(key("a"), load) for _ in range(5)))

    assert reads == 1
    assert [data for data, _ in results] == [b"data"] * 5
    assert sorted(cached for _, cached in results) == [False, True, True, True, True]


async def test_kept_under_version_read() -> None:
    cache = ContentCache(max_bytes=100)

    async def load() -> StoredContent:
        return content(b"newer", version="v2")

    data, _ = await cache.get_or_load(key("a", "v1"), load)

    assert data == b"newer"
    assert key("a", "v2") in cache
    assert key("a", "v1") not in cache


async def test_failed_read_reaches_waiters() -> None:
    cache = ContentCache(max_bytes=100)

    async def load() -> StoredContent:
        await asyncio.sleep(0.02)
        raise OSError("storage down")

    results = await asyncio.gather(
        cache.get_or_load(key("a"), load), cache.get_or_load(key("a"), load),
        return_exceptions=True,
    )

    assert [type(result) for result in results] == [OSError, OSError]
    assert key("a") not in cache


async def test_cancelled_reader_handed_over() -> None:
    cache = ContentCache(max_bytes=100)
    started = asyncio.Event()

    async def slow() -> StoredContent:
        started.set()
        await asyncio.sleep(10)
        return content(b"never")

    async def fast() -> StoredContent:
        return content(b"data")

    first = asyncio.create_task(cache.get_or_load(key("a"), slow))
    await started.wait()
    second = asyncio.create_task(cache.get_or_load(key("a"), fast))
    await asyncio.sleep(0)
    first.cancel()

    assert await second == (b"data", False)
    with pytest.raises(asyncio.CancelledError):
        await first
