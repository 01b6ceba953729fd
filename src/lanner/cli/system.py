"""`lanner sys database migrate`."""

from __future__ import annotations

import asyncio

import click

from lanner.backend.database import Database
from lanner.backend.migrate import current_revision, migrate
from lanner.cli.errors import handle_errors
from lanner.settings import load_settings


@click.group("sys")
def sys_group() -> None:
    """Maintenance commands."""


@sys_group.group("database")
def database_group() -> None:
    """Database schema commands."""


@database_group.command("migrate")
@click.option("--database", metavar="URL", help="Database URL (default: LANNER_DATABASE_URL).")
@handle_errors()
def migrate_command(database: str | None) -> None:
    """Migrate the database schema to the newest revision."""

    async def run() -> str | None:
        settings = load_settings(database_url=database)
        db = Database(settings.resolved_database_url)
        try:
            await migrate(db)
            return await current_revision(db)
        finally:
            await db.close()

    revision = asyncio.run(run())
    click.echo(f"Database schema at revision {revision}")
