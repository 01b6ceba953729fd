"""Migrate the schema to the newest revision, once, even when several components start together."""

from __future__ import annotations

import asyncio
import fcntl
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from lanner.backend.database import Database

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works as long as every Lanner process uses the same one.
ADVISORY_LOCK_KEY = 0x4C414E4E4552


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def migrate(database: Database) -> None:
    """Upgrade to the newest schema under a lock held across processes."""
    if database.is_postgres:
        await _migrate_postgres(database)
    else:
        await _migrate_sqlite(database)


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: sa.Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def _migrate_postgres(database: Database) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(
            sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
        try:
            await _upgrade_if_needed(connection)
        finally:
            await connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            await connection.commit()


async def _migrate_sqlite(database: Database) -> None:
    path = database.sqlite_path
    lock_path = Path(f"{path}.migrate.lock") if path and path != ":memory:" else None
    if lock_path is None:
        async with database.engine.connect() as connection:
            await _upgrade_if_needed(connection)
        return
    lock_file = await asyncio.to_thread(_lock, lock_path)
    try:
        async with database.engine.connect() as connection:
            await _upgrade_if_needed(connection)
    finally:
        fcntl.flock(lock_file, fcntl.LOCK_UN)
        lock_file.close()


def _lock(path: Path) -> Any:
    handle = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


async def _upgrade_if_needed(connection: Any) -> None:
    current = await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )
    if current == head_revision():
        await connection.commit()
        return
    logger.info("Migrating the database schema from %s to %s", current, head_revision())
    await connection.run_sync(_upgrade)
    await connection.commit()
    logger.info("Database schema migrated to %s", head_revision())
