"""Parsed flow revisions, cached: a revision never changes once stored."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.flows import FlowRepository
from lanner.errors import FlowNotFound
from lanner.flows.executable import ExecutableFlow
from lanner.flows.parser import parse_flow


class FlowCache:
    def __init__(self, repository: FlowRepository, size: int = 256) -> None:
        self._repository = repository
        self._size = size
        self._flows: OrderedDict[tuple[str, str, int], ExecutableFlow] = OrderedDict()

    async def get(
        self, connection: AsyncConnection, namespace: str, flow_id: str, revision: int
    ) -> ExecutableFlow:
        """Return a flow revision; raise FlowNotFound when it is not stored."""
        key = (namespace, flow_id, revision)
        cached = self._flows.get(key)
        if cached is not None:
            self._flows.move_to_end(key)
            return cached
        stored = await self._repository.revision(connection, namespace, flow_id, revision)
        if stored is None:
            raise FlowNotFound(namespace, flow_id, revision)
        flow = parse_flow(stored.source, f"{namespace}.{flow_id}")
        executable = ExecutableFlow.of(
            flow.model_copy(update={"revision": revision}), stored.source
        )
        self._flows[key] = executable
        if len(self._flows) > self._size:
            self._flows.popitem(last=False)
        return executable
