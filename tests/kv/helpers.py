"""Helpers of the KV tests: rows written and read past the KV store's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lanner.backend.kv import StoredKv
from lanner.backend.store import Backend
from lanner.kv.values import encode, type_of
from lanner.timestamps import utc_now


async def put_expired(backend: Backend, namespace: str, key: str, value: Any) -> None:
    """Store a row whose TTL passed a minute ago, as if time had moved on."""
    now = utc_now()
    stored = StoredKv(
        namespace, key, encode(value, type_of(value)), now, now - dt.timedelta(minutes=1)
    )
    async with backend.db.transaction() as connection:
        assert await backend.kv.put(connection, stored, True, now)


async def raw_row(backend: Backend, namespace: str, key: str) -> StoredKv | None:
    async with backend.db.transaction(write=False) as connection:
        return await backend.kv.get(connection, namespace, key)
