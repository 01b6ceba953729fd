"""Task run and execution logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import logs

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


@dataclass
class LogEntry:
    id: int
    execution_id: str
    namespace: str
    flow_id: str
    task_run_id: str | None
    task_id: str | None
    attempt: int | None
    level: str
    message: str
    timestamp: datetime


class LogRepository:
    async def insert(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        if rows:
            await connection.execute(sa.insert(logs), [_storable(row) for row in rows])

    async def fetch(
        self,
        connection: AsyncConnection,
        execution_id: str,
        *,
        after_id: int = 0,
        min_level: str | None = None,
        task_run_id: str | None = None,
        limit: int | None = None,
    ) -> list[LogEntry]:
        query = sa.select(logs).where(logs.c.execution_id == execution_id, logs.c.id > after_id)
        if min_level:
            query = query.where(logs.c.level.in_(LEVELS[LEVELS.index(min_level) :]))
        if task_run_id:
            query = query.where(logs.c.task_run_id == task_run_id)
        query = query.order_by(logs.c.id)
        if limit:
            query = query.limit(limit)
        return [
            LogEntry(
                id=row.id,
                execution_id=row.execution_id,
                namespace=row.namespace,
                flow_id=row.flow_id,
                task_run_id=row.task_run_id,
                task_id=row.task_id,
                attempt=row.attempt,
                level=row.level,
                message=row.message,
                timestamp=row.timestamp,
            )
            for row in await connection.execute(query)
        ]


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    """Replace NUL characters, which PostgreSQL text cannot hold, in a log line's message."""
    message = row.get("message")
    if isinstance(message, str) and "\x00" in message:
        return {**row, "message": message.replace("\x00", "\ufffd")}
    return row
