"""Stored flows and their revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.schema import flow_revisions, flows
from lanner.backend.sql import escape_like


@dataclass(frozen=True)
class StoredFlow:
    namespace: str
    id: str
    revision: int
    source: str
    updated: datetime
    disabled: bool = False
    deleted: bool = False


class FlowRepository:
    async def latest(
        self, connection: AsyncConnection, namespace: str, flow_id: str
    ) -> StoredFlow | None:
        row = (
            await connection.execute(
                sa.select(flows).where(flows.c.namespace == namespace, flows.c.id == flow_id)
            )
        ).first()
        return _stored(row) if row else None

    async def revision(
        self, connection: AsyncConnection, namespace: str, flow_id: str, revision: int
    ) -> StoredFlow | None:
        row = (
            await connection.execute(
                sa.select(flow_revisions).where(
                    flow_revisions.c.namespace == namespace,
                    flow_revisions.c.id == flow_id,
                    flow_revisions.c.revision == revision,
                )
            )
        ).first()
        if row is None:
            return None
        return StoredFlow(
            row.namespace, row.id, row.revision, row.source, row.created, deleted=row.deleted
        )

    async def revisions(
        self, connection: AsyncConnection, namespace: str, flow_id: str
    ) -> list[StoredFlow]:
        rows = await connection.execute(
            sa.select(flow_revisions)
            .where(flow_revisions.c.namespace == namespace, flow_revisions.c.id == flow_id)
            .order_by(flow_revisions.c.revision)
        )
        return [
            StoredFlow(
                row.namespace, row.id, row.revision, row.source, row.created, deleted=row.deleted
            )
            for row in rows
        ]

    async def save(
        self,
        connection: AsyncConnection,
        namespace: str,
        flow_id: str,
        source: str,
        disabled: bool,
        now: datetime,
        revision: int,
    ) -> StoredFlow:
        """Store `source` as the given revision and make it the latest."""
        await connection.execute(
            sa.insert(flow_revisions).values(
                namespace=namespace,
                id=flow_id,
                revision=revision,
                source=source,
                deleted=False,
                created=now,
            )
        )
        values = {
            "revision": revision,
            "source": source,
            "disabled": disabled,
            "deleted": False,
            "updated": now,
        }
        updated = await connection.execute(
            sa.update(flows)
            .where(flows.c.namespace == namespace, flows.c.id == flow_id)
            .values(**values)
        )
        if updated.rowcount == 0:
            await connection.execute(
                sa.insert(flows).values(namespace=namespace, id=flow_id, **values)
            )
        return StoredFlow(namespace, flow_id, revision, source, now, disabled)

    async def mark_deleted(
        self, connection: AsyncConnection, namespace: str, flow_id: str, now: datetime
    ) -> bool:
        current = await self.latest(connection, namespace, flow_id)
        if current is None or current.deleted:
            return False
        await connection.execute(
            sa.insert(flow_revisions).values(
                namespace=namespace,
                id=flow_id,
                revision=current.revision + 1,
                source=current.source,
                deleted=True,
                created=now,
            )
        )
        await connection.execute(
            sa.update(flows)
            .where(flows.c.namespace == namespace, flows.c.id == flow_id)
            .values(deleted=True, revision=current.revision + 1, updated=now)
        )
        return True

    async def search(
        self,
        connection: AsyncConnection,
        namespace: str | None = None,
        query: str | None = None,
        page: int = 1,
        size: int = 25,
    ) -> tuple[list[StoredFlow], int]:
        condition: sa.ColumnElement[bool] = flows.c.deleted.is_(False)
        if namespace:
            condition &= sa.or_(
                flows.c.namespace == namespace,
                flows.c.namespace.like(escape_like(namespace) + ".%", escape="\\"),
            )
        if query:
            pattern = f"%{escape_like(query)}%"
            condition &= sa.or_(
                flows.c.id.like(pattern, escape="\\"), flows.c.namespace.like(pattern, escape="\\")
            )
        total = (
            await connection.execute(sa.select(sa.func.count()).select_from(flows).where(condition))
        ).scalar_one()
        rows = await connection.execute(
            sa.select(flows)
            .where(condition)
            .order_by(flows.c.namespace, flows.c.id)
            .limit(size)
            .offset((page - 1) * size)
        )
        return [_stored(row) for row in rows], int(total)


def _stored(row: sa.Row[tuple[object, ...]]) -> StoredFlow:
    return StoredFlow(
        row.namespace, row.id, row.revision, row.source, row.updated, row.disabled, row.deleted
    )
