"""The KV store on SQLite and PostgreSQL: types, TTL, overwrite, inheritance and deletion."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from lanner.backend.store import Backend
from lanner.kv import InvalidKvKey, InvalidKvValue, KvKeyExists, KvStore, KvType
from tests.kv.helpers import put_expired, raw_row

NS = "company.team"


@pytest.mark.parametrize(
    ("value", "kv_type"),
    [
        ("text", KvType.STRING),
        (42, KvType.NUMBER),
        (1.5, KvType.NUMBER),
        (True, KvType.BOOLEAN),
        (dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC), KvType.DATETIME),
        (dt.date(2024, 3, 7), KvType.DATE),
        (dt.timedelta(hours=2), KvType.DURATION),
        ({"list": [1, 2], "none": None}, KvType.JSON),
    ],
)
async def test_types_round_trip(store: KvStore, value: Any, kv_type: KvType) -> None:
    await store.put(NS, "key", value)

    entry = await store.get(NS, "key")

    assert entry is not None
    assert entry.type is kv_type
    assert entry.value == value


async def test_put_converts_kv_type(store: KvStore) -> None:
    await store.put(NS, "when", "2024-03-07T07:42:00Z", kv_type=KvType.DATETIME)

    entry = await store.get(NS, "when")

    assert entry is not None
    assert entry.value == dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC)


async def test_metadata(store: KvStore) -> None:
    first = await store.put(NS, "key", "a", description="first")
    second = await store.put(NS, "key", "b", ttl=dt.timedelta(hours=1))

    entry = await store.get(NS, "key")

    assert entry is not None
    assert entry.description is None
    assert entry.created == first.created
    assert entry.updated == second.updated
    assert second.updated >= first.updated
    assert entry.expires == entry.updated + dt.timedelta(hours=1)


async def test_missing_key(store: KvStore) -> None:
    assert await store.get(NS, "nothing") is None


async def test_overwrite_false(store: KvStore) -> None:
    await store.put(NS, "key", "a")

    with pytest.raises(KvKeyExists, match="key 'key' already exists in namespace"):
        await store.put(NS, "key", "b", overwrite=False)

    entry = await store.get(NS, "key")
    assert entry is not None
    assert entry.value == "a"


async def test_overwrite_false_new_key(store: KvStore) -> None:
    await store.put(NS, "key", "a", overwrite=False)

    entry = await store.get(NS, "key")

    assert entry is not None
    assert entry.value == "a"


async def test_overwrite_false_concurrent(store: KvStore) -> None:
    results = await asyncio.gather(
        *(store.put(NS, "race", index, overwrite=False) for index in range(5)),
        return_exceptions=True,
    )

    winners = [result for result in results if not isinstance(result, BaseException)]
    losers = [result for result in results if isinstance(result, KvKeyExists)]
    entry = await store.get(NS, "race")
    assert len(winners) == 1
    assert len(losers) == 4
    assert entry is not None
    assert entry.value == winners[0].value


async def test_expired_reads_missing(store: KvStore, backend: Backend) -> None:
    await put_expired(backend, NS, "old", "stale")

    assert await store.get(NS, "old") is None
    # The read removed the expired row.
    assert await raw_row(backend, NS, "old") is None


async def test_expired_replaced_without_overwrite(store: KvStore, backend: Backend) -> None:
    await put_expired(backend, NS, "old", "stale")

    await store.put(NS, "old", "fresh", overwrite=False)

    entry = await store.get(NS, "old")
    assert entry is not None
    assert entry.value == "fresh"
    assert entry.expires is None


async def test_short_ttl_expires(store: KvStore) -> None:
    await store.put(NS, "brief", "soon gone", ttl=dt.timedelta(milliseconds=200))

    deadline = asyncio.get_running_loop().time() + 30
    while await store.get(NS, "brief") is not None:
        assert asyncio.get_running_loop().time() < deadline, "the TTL never passed"
        await asyncio.sleep(0.05)

    assert await store.list(NS) == []


async def test_list(store: KvStore, backend: Backend) -> None:
    await store.put(NS, "b_key", 1)
    await store.put(NS, "a_key", 2)
    await store.put(NS, "abkey", 3)
    await store.put(NS + ".child", "a_child", 4)
    await put_expired(backend, NS, "a_expired", "x")

    everything = await store.list(NS)
    # `_` is a LIKE wildcard: the prefix must match it literally.
    prefixed = await store.list(NS, prefix="a_")

    assert [entry.key for entry in everything] == ["a_key", "abkey", "b_key"]
    assert [entry.key for entry in prefixed] == ["a_key"]


async def test_delete(store: KvStore, backend: Backend) -> None:
    await store.put(NS, "key", "a")
    await put_expired(backend, NS, "old", "stale")

    assert await store.delete(NS, "key") is True
    assert await store.delete(NS, "key") is False
    assert await store.delete(NS, "old") is False
    assert await raw_row(backend, NS, "old") is None


async def test_purge_expired(store: KvStore, backend: Backend) -> None:
    await store.put(NS, "live", "a")
    await put_expired(backend, NS, "old1", "x")
    await put_expired(backend, "other", "old2", "y")

    assert await store.purge_expired() == 2
    assert await raw_row(backend, NS, "live") is not None
    assert await raw_row(backend, "other", "old2") is None


async def test_get_inherited(store: KvStore, backend: Backend) -> None:
    await store.put("company", "shared", "from company")
    await store.put("company", "both", "from company")
    await store.put("company.team", "both", "from team")
    await put_expired(backend, "company.team.project", "both", "expired")

    shared = await store.get_inherited("company.team.project", "shared")
    both = await store.get_inherited("company.team.project", "both")
    missing = await store.get_inherited("company.team.project", "nothing")

    assert shared is not None
    assert shared.value == "from company"
    assert both is not None
    assert both.value == "from team"
    assert missing is None


@pytest.mark.parametrize("key", ["", "_leading", "has space", "slash/key", "x" * 256])
async def test_invalid_key(store: KvStore, key: str) -> None:
    with pytest.raises(InvalidKvKey, match="invalid KV key"):
        await store.put(NS, key, "a")


@pytest.mark.parametrize("namespace", ["", "Upper.Case", "-dash", "a" * 151])
async def test_invalid_namespace(store: KvStore, namespace: str) -> None:
    with pytest.raises(InvalidKvKey, match="invalid namespace"):
        await store.get(namespace, "key")


async def test_invalid_ttl(store: KvStore) -> None:
    with pytest.raises(InvalidKvValue, match="positive duration"):
        await store.put(NS, "key", "a", ttl=dt.timedelta(0))
