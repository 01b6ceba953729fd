"""Deploying, reading and deleting flows."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lanner.backend.flows import StoredFlow
from lanner.backend.store import Backend
from lanner.errors import FlowNotFound, InvalidFlow, Problem
from lanner.flows.model import Flow
from lanner.flows.parser import ParsedDocument, parse_documents, parse_flow
from lanner.tasks.registry import TaskRegistry, default_registry
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeployResult:
    namespace: str
    id: str
    revision: int
    # False when the deployed source equals the latest revision, so no revision was added.
    changed: bool
    flow: Flow
    source: str


class FlowService:
    def __init__(self, backend: Backend, registry: TaskRegistry | None = None) -> None:
        self.backend = backend
        self.registry = registry or default_registry()

    def validate(self, text: str, source: str = "") -> list[ParsedDocument]:
        return parse_documents(text, source, self.registry)

    async def deploy_text(self, text: str, source: str = "") -> list[DeployResult]:
        """Deploy every flow of a YAML text; deploy none if any is invalid."""
        documents = self.validate(text, source)
        invalid = [document for document in documents if not document.valid]
        if invalid:
            problems: list[Problem] = []
            for document in invalid:
                problems += document.problems
            raise InvalidFlow(
                problems=problems,
                source=source,
                flow_id=invalid[0].flow_id if len(documents) == 1 else None,
            )
        results = []
        for document in documents:
            assert document.flow is not None
            results.append(await self.deploy(document.flow, _document_source(document)))
        return results

    async def deploy(self, flow: Flow, source: str) -> DeployResult:
        """Store a validated flow as a new revision, unless its source did not change."""
        async with self.backend.db.transaction() as connection:
            latest = await self.backend.flows.latest(connection, flow.namespace, flow.id)
            if latest is not None and not latest.deleted and _same(latest.source, source):
                return DeployResult(flow.namespace, flow.id, latest.revision, False, flow, source)
            revision = (latest.revision + 1) if latest is not None else 1
            await self.backend.flows.save(
                connection, flow.namespace, flow.id, source, flow.disabled, utc_now(), revision
            )
        logger.info("Deployed flow %s.%s revision %d", flow.namespace, flow.id, revision)
        return DeployResult(flow.namespace, flow.id, revision, True, flow, source)

    async def get(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow:
        async with self.backend.db.transaction(write=False) as connection:
            if revision is None:
                stored = await self.backend.flows.latest(connection, namespace, flow_id)
            else:
                stored = await self.backend.flows.revision(connection, namespace, flow_id, revision)
        if stored is None or (revision is None and stored.deleted):
            raise FlowNotFound(namespace, flow_id, revision)
        return stored

    async def get_flow(self, namespace: str, flow_id: str, revision: int | None = None) -> Flow:
        stored = await self.get(namespace, flow_id, revision)
        flow = parse_flow(stored.source, f"{namespace}.{flow_id}", self.registry)
        return flow.model_copy(update={"revision": stored.revision})

    async def delete(self, namespace: str, flow_id: str) -> None:
        async with self.backend.db.transaction() as connection:
            deleted = await self.backend.flows.mark_deleted(
                connection, namespace, flow_id, utc_now()
            )
        if not deleted:
            raise FlowNotFound(namespace, flow_id)
        logger.info("Deleted flow %s.%s", namespace, flow_id)

    async def search(
        self,
        namespace: str | None = None,
        query: str | None = None,
        page: int = 1,
        size: int = 25,
    ) -> tuple[list[StoredFlow], int]:
        async with self.backend.db.transaction(write=False) as connection:
            return await self.backend.flows.search(connection, namespace, query, page, size)


def _same(stored: str, deployed: str) -> bool:
    return stored.strip() == deployed.strip()


def _document_source(document: ParsedDocument) -> str:
    return document.document_source or document.text
