"""The executor message queue.

Messages are claimed per execution: the executor picks executions that have deliverable
messages, locks each execution's row, and reads all of its deliverable messages in id order.
Consumed messages are deleted in the same transaction that writes their effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import dead_messages, executor_messages
from lanner.executor.messages import ExecutorMessage, MessageKind


class MessageQueue:
    async def insert(
        self,
        connection: AsyncConnection,
        messages: Sequence[tuple[str, str, dict[str, Any], datetime | None]],
        now: datetime,
    ) -> None:
        """Insert (execution id, kind, payload, deliver at) messages; None delivers now."""
        if not messages:
            return
        await connection.execute(
            sa.insert(executor_messages),
            [
                {
                    "execution_id": execution_id,
                    "kind": kind,
                    "payload": payload,
                    "deliver_at": deliver_at or now,
                    "created": now,
                }
                for execution_id, kind, payload, deliver_at in messages
            ],
        )

    async def pending_executions(
        self, connection: AsyncConnection, now: datetime, limit: int, exclude: set[str]
    ) -> list[str]:
        """List executions with deliverable messages, the oldest message first."""
        query = (
            sa.select(executor_messages.c.execution_id)
            .where(executor_messages.c.deliver_at <= now)
            .group_by(executor_messages.c.execution_id)
            .order_by(sa.func.min(executor_messages.c.id))
            .limit(limit + len(exclude))
        )
        rows = await connection.execute(query)
        return [row[0] for row in rows if row[0] not in exclude][:limit]

    async def fetch(
        self, connection: AsyncConnection, execution_id: str, now: datetime, limit: int
    ) -> list[ExecutorMessage]:
        rows = await connection.execute(
            sa.select(executor_messages)
            .where(
                executor_messages.c.execution_id == execution_id,
                executor_messages.c.deliver_at <= now,
            )
            .order_by(executor_messages.c.id)
            .limit(limit)
        )
        return [_message(row) for row in rows]

    async def delete(self, connection: AsyncConnection, ids: list[int]) -> None:
        if ids:
            await connection.execute(
                sa.delete(executor_messages).where(executor_messages.c.id.in_(ids))
            )

    async def next_delivery(self, connection: AsyncConnection) -> datetime | None:
        # min() keeps the column's type, so the value comes back as an aware UTC datetime.
        value: datetime | None = (
            await connection.execute(sa.select(sa.func.min(executor_messages.c.deliver_at)))
        ).scalar_one_or_none()
        return value

    async def count(self, connection: AsyncConnection) -> int:
        return int(
            (
                await connection.execute(sa.select(sa.func.count()).select_from(executor_messages))
            ).scalar_one()
        )

    async def set_aside(
        self,
        connection: AsyncConnection,
        message: ExecutorMessage,
        error: str,
        now: datetime,
    ) -> None:
        """Move a message the executor cannot apply to dead_messages, with its error."""
        await connection.execute(
            sa.insert(dead_messages).values(
                message_id=message.id,
                execution_id=message.execution_id,
                kind=str(message.kind),
                payload=message.payload,
                error=error,
                created=now,
            )
        )
        if message.id is not None:
            await self.delete(connection, [message.id])


def _message(row: Any) -> ExecutorMessage:
    try:
        kind: MessageKind | str = MessageKind(row.kind)
    except ValueError:
        kind = row.kind
    return ExecutorMessage(
        id=row.id,
        execution_id=row.execution_id,
        kind=kind,  # type: ignore[arg-type]
        payload=row.payload if isinstance(row.payload, dict) else {"__invalid__": row.payload},
        deliver_at=row.deliver_at,
    )
