"""The backend as the services use it: one database, its repositories and its wake-ups."""

from __future__ import annotations

import logging

from lanner.backend.components import ComponentRepository
from lanner.backend.database import Database
from lanner.backend.executions import ExecutionRepository
from lanner.backend.flows import FlowRepository
from lanner.backend.jobs import JobQueue
from lanner.backend.kv import KvRepository
from lanner.backend.logs import LogRepository
from lanner.backend.migrate import migrate
from lanner.backend.notify import Notifier, PostgresNotifier
from lanner.backend.queue import MessageQueue

logger = logging.getLogger(__name__)


class Backend:
    def __init__(self, database: Database, notifier: Notifier | None = None) -> None:
        self.db = database
        self.notifier = notifier or (
            PostgresNotifier(database.url) if database.is_postgres else Notifier()
        )
        self.flows = FlowRepository()
        self.executions = ExecutionRepository(skip_locked=database.skip_locked)
        self.messages = MessageQueue()
        self.jobs = JobQueue(self.messages, skip_locked=database.skip_locked)
        self.logs = LogRepository()
        self.components = ComponentRepository(skip_locked=database.skip_locked)
        self.kv = KvRepository()

    @classmethod
    def from_url(cls, url: str) -> Backend:
        return cls(Database(url))

    async def start(self, run_migrations: bool = True) -> None:
        if run_migrations:
            await migrate(self.db)
        await self.notifier.start()
        logger.info("Connected to %s", self.db.redacted_url())

    async def close(self) -> None:
        await self.notifier.stop()
        await self.db.close()
