"""Engines, transactions and driver errors for SQLite and PostgreSQL.

SQLite is the embedded default: one file in WAL mode, where every write transaction starts
with `BEGIN IMMEDIATE` so that two writers queue on the database lock instead of failing when
a reader upgrades. PostgreSQL is the scaling story: row locks with `SKIP LOCKED` let several
executors and workers share one database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from lanner.backend.types import json_serializer
from lanner.errors import BackendError, ConfigurationError

logger = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """Pick the async driver for a database URL: aiosqlite or psycopg 3."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise ConfigurationError(
            f"invalid database URL {url!r}: expected sqlite:///path or "
            "postgresql+psycopg://user@host:port/database"
        ) from error
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ConfigurationError(
        f"unsupported database {backend!r} in {url!r}: Lanner runs on SQLite or PostgreSQL"
    )


class Database:
    """One database, its connection pool and the dialect facts the repositories need."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        options: dict[str, Any] = {"echo": echo, "json_serializer": json_serializer}
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 60}
            options["pool_size"] = 8
            options["max_overflow"] = 8
        else:
            options["pool_size"] = pool_size
            options["max_overflow"] = pool_size
            options["pool_pre_ping"] = True
            options["pool_recycle"] = 1800
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def skip_locked(self) -> bool:
        """Whether rows can be claimed with `FOR UPDATE SKIP LOCKED`."""
        return self.is_postgres

    @property
    def sqlite_path(self) -> str | None:
        return make_url(self.url).database if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """Open a connection in a transaction, committed when the block ends without error."""
        try:
            async with self.engine.connect() as connection:
                if self.is_sqlite:
                    (await connection.get_raw_connection()).info["lanner_write"] = write
                async with connection.begin():
                    yield connection
        except exc.DBAPIError as error:
            raise translate(error) from error

    async def close(self) -> None:
        await self.engine.dispose()

    def redacted_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def translate(error: exc.DBAPIError) -> BackendError:
    """Wrap a driver error once, keeping it as the cause."""
    original = error.orig if error.orig is not None else error
    message = str(original).strip().splitlines()[0] if str(original).strip() else type(original)
    return BackendError(f"database error: {message}")


def is_connection_error(error: BaseException) -> bool:
    """Tell whether an error means the connection was lost, so a retry may succeed."""
    cause = error.__cause__ if isinstance(error, BackendError) else error
    if isinstance(cause, exc.DBAPIError):
        return bool(cause.connection_invalidated) or isinstance(cause, exc.OperationalError)
    return isinstance(cause, (ConnectionError, OSError))


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        raw = connection.connection
        write = raw.info.get("lanner_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
