"""Stored KV pairs: one row per namespace and key, with an optional expiry date.

The `value` column contains the document that `lanner.kv` builds (the typed value and its
metadata); this module only stores and selects rows. A row whose `expires` has passed is
still in the table until something deletes it: every read here returns it, and callers
treat it as missing.

`SyncKvReader` reads the same rows through a synchronous engine, for the one caller that
cannot await: `kv()` in an expression rendered on the worker's event loop thread.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.database import translate
from lanner.backend.schema import kv
from lanner.backend.sql import escape_like
from lanner.backend.types import json_serializer


@dataclass(frozen=True)
class StoredKv:
    namespace: str
    key: str
    document: Any
    updated: datetime
    expires: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


class KvRepository:
    async def get(self, connection: AsyncConnection, namespace: str, key: str) -> StoredKv | None:
        """Return the row of a key, expired or not."""
        row = (
            await connection.execute(
                sa.select(kv).where(kv.c.namespace == namespace, kv.c.key == key)
            )
        ).first()
        return _stored(row) if row else None

    async def find(
        self, connection: AsyncConnection, namespaces: Collection[str], keys: Collection[str]
    ) -> list[StoredKv]:
        """Return the rows of every given key in every given namespace, expired or not."""
        rows = await connection.execute(find_query(namespaces, keys))
        return [_stored(row) for row in rows]

    async def list(
        self, connection: AsyncConnection, namespace: str, now: datetime, prefix: str | None = None
    ) -> list[StoredKv]:
        """Return the live rows of a namespace, ordered by key, optionally under a key prefix."""
        condition = (kv.c.namespace == namespace) & _live(now)
        if prefix:
            condition &= kv.c.key.like(escape_like(prefix) + "%", escape="\\")
        rows = await connection.execute(sa.select(kv).where(condition).order_by(kv.c.key))
        return [_stored(row) for row in rows]

    async def put(
        self, connection: AsyncConnection, entry: StoredKv, overwrite: bool, now: datetime
    ) -> bool:
        """Insert or replace a row; return False when a live row exists and not `overwrite`.

        One statement decides, so two concurrent writers without `overwrite` cannot both win.
        """
        values = {
            "namespace": entry.namespace,
            "key": entry.key,
            "value": entry.document,
            "updated": entry.updated,
            "expires": entry.expires,
        }
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(kv).values(**values)
        replace_when = None if overwrite else (kv.c.expires.is_not(None) & (kv.c.expires <= now))
        statement = insert.on_conflict_do_update(
            index_elements=[kv.c.namespace, kv.c.key],
            set_={
                "value": insert.excluded.value,
                "updated": insert.excluded.updated,
                "expires": insert.excluded.expires,
            },
            where=replace_when,
        )
        # RETURNING rather than rowcount, which psycopg's async cursor reports as -1 here.
        result = await connection.execute(statement.returning(kv.c.key))
        return result.first() is not None

    async def delete(
        self, connection: AsyncConnection, namespace: str, key: str, now: datetime
    ) -> bool:
        """Delete a key; return whether a live value was deleted (an expired one is removed too)."""
        where = (kv.c.namespace == namespace) & (kv.c.key == key)
        live = await connection.execute(sa.delete(kv).where(where & _live(now)))
        if live.rowcount:
            return True
        await connection.execute(sa.delete(kv).where(where))
        return False

    async def delete_expired(
        self, connection: AsyncConnection, namespace: str, key: str, now: datetime
    ) -> None:
        """Delete a key only if it has expired, so a value written meanwhile survives."""
        await connection.execute(
            sa.delete(kv).where(kv.c.namespace == namespace, kv.c.key == key, ~_live(now))
        )

    async def purge_expired(self, connection: AsyncConnection, now: datetime) -> int:
        """Delete every expired row; return how many."""
        result = await connection.execute(sa.delete(kv).where(~_live(now)))
        return int(result.rowcount)


class SyncKvReader:
    """Reads KV rows without an event loop, through a small synchronous connection pool.

    The engine is created at the first read and uses the same database as `url` (an async
    URL, as `Database.url` stores it), with the synchronous driver of the same library.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None

    def find(self, namespaces: Collection[str], keys: Collection[str]) -> list[StoredKv]:
        try:
            with self._get_engine().connect() as connection:
                return [_stored(row) for row in connection.execute(find_query(namespaces, keys))]
        except exc.DBAPIError as error:
            raise translate(error) from error

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _get_engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = _sync_engine(self.url)
        return self._engine


def find_query(namespaces: Collection[str], keys: Collection[str]) -> sa.Select[Any]:
    return sa.select(kv).where(kv.c.namespace.in_(list(namespaces)), kv.c.key.in_(list(keys)))


def _sync_engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    options: dict[str, Any] = {"json_serializer": json_serializer}
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
        options["connect_args"] = {"timeout": 60}
    else:
        # psycopg 3 serves both engines: the same driver name gives a synchronous one here.
        parsed = parsed.set(drivername="postgresql+psycopg")
        options.update(pool_size=2, max_overflow=2, pool_pre_ping=True, pool_recycle=1800)
    return sa.create_engine(parsed, **options)


def _live(now: datetime) -> sa.ColumnElement[bool]:
    return kv.c.expires.is_(None) | (kv.c.expires > now)


def _stored(row: sa.Row[Any]) -> StoredKv:
    return StoredKv(row.namespace, row.key, row.value, row.updated, row.expires)
