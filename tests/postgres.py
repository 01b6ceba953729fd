"""PostgreSQL for tests: one migrated template database, copied for each test that needs one.

Tests needing PostgreSQL skip with the reason when no server is reachable, and fail instead
when the CI variable is "true", so CI can never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket

import psycopg
import pytest

from lanner.backend.database import Database
from lanner.backend.migrate import migrate

HOST = os.environ.get("LANNER_TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("LANNER_TEST_PG_PORT", "5432"))
USER = os.environ.get("LANNER_TEST_PG_USER", "postgres")
TEMPLATE = "lanner_test_template"

_template_ready = False


def server_url(database: str) -> str:
    return f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{database}"


def require_postgres() -> None:
    """Skip (or fail in CI) when PostgreSQL is not reachable."""
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            pass
    except OSError as error:
        reason = f"PostgreSQL is not reachable at {HOST}:{PORT} ({error})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI requires it")
        pytest.skip(reason)


def _admin() -> psycopg.Connection:
    return psycopg.connect(host=HOST, port=PORT, user=USER, dbname="postgres", autocommit=True)


def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    with _admin() as connection:
        # Several pytest processes may race here; a lock keeps the template built once.
        connection.execute("SELECT pg_advisory_lock(774411)")
        try:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)
            ).fetchone()
            if exists is None:
                connection.execute(f'CREATE DATABASE "{TEMPLATE}"')
            asyncio.run(_migrate(server_url(TEMPLATE)))
        finally:
            connection.execute("SELECT pg_advisory_unlock(774411)")
    _template_ready = True


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate(database)
    finally:
        await database.close()


def create_database() -> str:
    """Create a fresh, migrated database and return its name."""
    require_postgres()
    _ensure_template()
    name = f"lanner_test_{secrets.token_hex(6)}"
    with _admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return name


def drop_database(name: str) -> None:
    with _admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
