"""`lanner sys database migrate` and `lanner sys purge`."""

from __future__ import annotations

import asyncio

import click

from lanner.backend.database import Database
from lanner.backend.migrate import current_revision, migrate
from lanner.backend.purge import PurgeCounts
from lanner.backend.store import Backend
from lanner.cli.errors import CommandFailed, handle_errors
from lanner.durations import InvalidDuration, parse_duration
from lanner.purge import purge_ended
from lanner.settings import load_settings
from lanner.storage import storage_from_url


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


@sys_group.command("purge")
@click.option("--older-than", "older_than", required=True, metavar="DURATION",
              help="Purge executions that ended longer ago than this ISO-8601 duration (P30D).")
@click.option("--database", metavar="URL", help="Database URL (default: LANNER_DATABASE_URL).")
@click.option("--storage", metavar="URL", help="Storage URL (default: LANNER_STORAGE_URL).")
@handle_errors()
def purge_command(older_than: str, database: str | None, storage: str | None) -> None:
    """Delete ended executions, their task runs, logs and stored files, in small batches."""
    try:
        age = parse_duration(older_than)
    except InvalidDuration as error:
        raise CommandFailed(str(error)) from error

    async def run() -> PurgeCounts:
        settings = load_settings(database_url=database, storage_url=storage)
        backend = Backend(Database(settings.resolved_database_url))
        files = storage_from_url(settings.resolved_storage_url)
        try:
            await backend.start()
            return await purge_ended(backend, files, age)
        finally:
            await files.close()
            await backend.close()

    counts = asyncio.run(run())
    click.echo(
        f"Purged {counts.executions} execution(s), {counts.task_runs} task run(s) and "
        f"{counts.logs} log line(s)"
    )
