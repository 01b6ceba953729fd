"""The Storage contract, run against the local file system and an S3 server alike."""

from __future__ import annotations

import asyncio
import os
import unicodedata

import pytest

from lanner.errors import FileNotFoundInStorage, StorageError
from lanner.storage import Storage, storage_from_url
from lanner.storage.keys import InvalidStorageKey
from tests.storage.s3_server import S3TestServer

# An S3 listing page contains at most 1000 keys.
PAGE = 1000


async def put_many(storage: Storage, keys: list[str], data: bytes = b"x") -> None:
    limit = asyncio.Semaphore(16)

    async def put(key: str) -> None:
        async with limit:
            await storage.put(key, data)

    await asyncio.gather(*(put(key) for key in keys))


async def keys_of(storage: Storage, prefix: str = "") -> list[str]:
    return sorted([stored.key async for stored in storage.list(prefix)])


async def test_put_then_get(storage: Storage) -> None:
    stored = await storage.put("team/flow/file.txt", b"hello")

    assert stored.key == "team/flow/file.txt"
    assert stored.size == 5
    assert stored.version
    assert await storage.get("team/flow/file.txt") == b"hello"


async def test_stat_file(storage: Storage) -> None:
    await storage.put("a/b.txt", b"12345")

    stored = await storage.stat("a/b.txt")

    assert stored is not None
    assert stored.key == "a/b.txt"
    assert stored.size == 5
    assert stored.updated is not None
    assert stored.version


async def test_stat_missing(storage: Storage) -> None:
    assert await storage.stat("missing.txt") is None


async def test_get_missing(storage: Storage) -> None:
    with pytest.raises(FileNotFoundInStorage, match=r"missing\.txt"):
        await storage.get("missing.txt")


async def test_fetch_missing(storage: Storage) -> None:
    with pytest.raises(FileNotFoundInStorage, match=r"missing\.txt"):
        await storage.fetch("missing.txt")


async def test_fetch_pairs_version(storage: Storage) -> None:
    await storage.put("f.txt", b"first")
    stored = await storage.stat("f.txt")

    fetched = await storage.fetch("f.txt")

    assert fetched.data == b"first"
    assert stored is not None
    assert fetched.stored.version == stored.version
    assert fetched.stored.size == 5


async def test_delete_file(storage: Storage) -> None:
    await storage.put("a/b.txt", b"x")

    assert await storage.delete("a/b.txt") is True
    assert await storage.stat("a/b.txt") is None
    assert await storage.delete("a/b.txt") is False


async def test_empty_file(storage: Storage) -> None:
    stored = await storage.put("empty", b"")

    assert stored.size == 0
    assert await storage.get("empty") == b""
    listed = [item async for item in storage.list("")]
    assert [(item.key, item.size) for item in listed] == [("empty", 0)]


async def test_large_file(storage: Storage) -> None:
    # Larger than obstore's 5 MiB multipart threshold, so S3 receives a multipart upload.
    data = os.urandom(1024 * 1024) * 12

    stored = await storage.put("big.bin", data)

    assert stored.size == len(data)
    assert await storage.get("big.bin") == data
    status = await storage.stat("big.bin")
    assert status is not None
    assert status.size == len(data)


async def test_overwrite_replaces(storage: Storage) -> None:
    await storage.put("f.txt", b"first version")
    await storage.put("f.txt", b"second")

    assert await storage.get("f.txt") == b"second"
    assert await keys_of(storage) == ["f.txt"]


async def test_version_follows_content(storage: Storage) -> None:
    first = await storage.put("f.txt", b"aaaa")
    # Same size, written at once, so neither the size nor a coarse clock separates them.
    second = await storage.put("f.txt", b"bbbb")
    third = await storage.put("f.txt", b"cccc")

    versions = [first.version, second.version, third.version]
    assert len(set(versions)) == 3
    status = await storage.stat("f.txt")
    assert status is not None
    assert status.version == third.version


async def test_version_in_listing(storage: Storage) -> None:
    written = await storage.put("dir/f.txt", b"content")

    listed = [item async for item in storage.list("dir/")]

    assert [item.version for item in listed] == [written.version]


async def test_list_prefixes(storage: Storage) -> None:
    await put_many(storage, ["a/b/1", "a/b/2", "a/bc/3", "a/c", "b/1"])

    assert await keys_of(storage, "a/b/") == ["a/b/1", "a/b/2"]
    assert await keys_of(storage, "a/b") == ["a/b/1", "a/b/2", "a/bc/3"]
    assert await keys_of(storage, "a/") == ["a/b/1", "a/b/2", "a/bc/3", "a/c"]
    assert await keys_of(storage, "") == ["a/b/1", "a/b/2", "a/bc/3", "a/c", "b/1"]
    assert await keys_of(storage, "c/") == []


async def test_list_sizes(storage: Storage) -> None:
    await storage.put("d/one", b"1")
    await storage.put("d/three", b"333")

    listed = {item.key: item.size async for item in storage.list("d/")}

    assert listed == {"d/one": 1, "d/three": 3}


async def test_list_one_page_plus_one(storage: Storage) -> None:
    keys = [f"many/{index:05d}" for index in range(PAGE + 1)]
    await put_many(storage, keys)

    assert await keys_of(storage, "many/") == keys


async def test_list_two_pages_plus_one(storage: Storage) -> None:
    keys = [f"more/{index:05d}" for index in range(2 * PAGE + 1)]
    await put_many(storage, keys)

    assert await keys_of(storage, "more/") == keys


async def test_copy_file(storage: Storage) -> None:
    await storage.put("src/f.txt", b"data")

    await storage.copy("src/f.txt", "dst/g.txt")

    assert await storage.get("dst/g.txt") == b"data"
    assert await storage.get("src/f.txt") == b"data"


async def test_move_file(storage: Storage) -> None:
    await storage.put("src/f.txt", b"data")
    await storage.put("dst/g.txt", b"old")

    await storage.move("src/f.txt", "dst/g.txt")

    assert await storage.get("dst/g.txt") == b"data"
    assert await storage.stat("src/f.txt") is None


async def test_move_missing(storage: Storage) -> None:
    with pytest.raises(FileNotFoundInStorage, match=r"nothing\.txt"):
        await storage.move("nothing.txt", "other.txt")


async def test_delete_prefix(storage: Storage) -> None:
    await put_many(storage, ["p/1", "p/2", "p/q/3", "pq/4"])

    deleted = await storage.delete_prefix("p/")

    assert deleted == 3
    assert await keys_of(storage) == ["pq/4"]


SPECIAL_NAMES = [
    "with space",
    " leading and trailing ",
    "plus+sign",
    "percent%20not-decoded",
    "hash#question?amp&equals=",
    "quotes'\"",
    "back\\slash",
    unicodedata.normalize("NFC", "café"),
    unicodedata.normalize("NFD", "café"),
    "emoji 😀🚀",
    "UPPER",
    "upper",
]


async def test_special_keys(storage: Storage) -> None:
    for index, name in enumerate(SPECIAL_NAMES):
        await storage.put(f"special/{name}", str(index).encode())

    listed = {item.key async for item in storage.list("special/")}

    assert listed == {f"special/{name}" for name in SPECIAL_NAMES}
    for index, name in enumerate(SPECIAL_NAMES):
        assert await storage.get(f"special/{name}") == str(index).encode()


@pytest.mark.parametrize("key", ["", "/abs", "a//b", "a/../b", "./a", "dir/", "a\x00b"])
async def test_invalid_key(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidStorageKey):
        await storage.put(key, b"x")


async def test_errors_are_storage_errors(storage: Storage) -> None:
    with pytest.raises(StorageError):
        await storage.get("nothing/here")


async def test_missing_bucket_named(s3_server: S3TestServer) -> None:
    storage = storage_from_url(s3_server.storage_url("no-such-bucket-here"))
    try:
        with pytest.raises(StorageError) as raised:
            await storage.put("a.txt", b"data")
    finally:
        await storage.close()

    assert "the bucket does not exist" in str(raised.value)
    assert not isinstance(raised.value, FileNotFoundInStorage)
    assert "<?xml" not in str(raised.value)


async def test_version_has_no_quotes(s3_server: S3TestServer) -> None:
    storage = storage_from_url(s3_server.storage_url(s3_server.create_bucket()))
    try:
        written = await storage.put("a.txt", b"data")
        stat = await storage.stat("a.txt")
    finally:
        await storage.close()

    assert written.version is not None
    assert '"' not in written.version
    assert stat is not None
    assert stat.version == written.version


async def test_listing_missing_bucket_named(s3_server: S3TestServer) -> None:
    storage = storage_from_url(s3_server.storage_url("no-such-bucket-either"))
    try:
        with pytest.raises(StorageError) as raised:
            [stored async for stored in storage.list("")]
    finally:
        await storage.close()

    assert "NoSuchBucket" in str(raised.value)
    assert "<?xml" not in str(raised.value)
