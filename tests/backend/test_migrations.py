"""The Alembic migrations build exactly the schema the code declares."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lanner.backend.database import Database
from lanner.backend.migrate import current_revision, head_revision, migrate
from lanner.backend.schema import metadata


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_metadata(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(_differences)
        assert differences == []
    finally:
        await database.close()


async def test_migrate_twice_is_harmless(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        await migrate(database)
        assert await current_revision(database) == head_revision()
    finally:
        await database.close()
