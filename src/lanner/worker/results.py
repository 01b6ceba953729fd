"""The worker's buffer of results, log lines and handed-back jobs, written in batches."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from lanner.backend.jobs import ClaimedJob, JobResult
from lanner.backend.notify import EXECUTOR
from lanner.backend.store import Backend
from lanner.errors import BackendError
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)


@dataclass
class _Batch:
    results: list[JobResult] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    handed_back: list[ClaimedJob] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.results or self.logs or self.handed_back)


class ResultBuffer:
    """Collects what a worker must write and writes it in one transaction per batch.

    Log lines are written with (and so never after) the result of their task run. A batch that
    cannot be written is kept, in order, for the next attempt.
    """

    def __init__(self, backend: Backend, flush_interval: float) -> None:
        self.backend = backend
        self.flush_interval = flush_interval
        self._batch = _Batch()
        self._pending = asyncio.Event()
        # One flush at a time: a final flush at shutdown waits for the one in flight, instead of
        # finding an empty batch while that one's results are not yet written.
        self._flushing = asyncio.Lock()

    def add_result(self, result: JobResult) -> None:
        self._batch.results.append(result)
        self._pending.set()

    def add_log(self, row: dict[str, Any]) -> None:
        self._batch.logs.append(row)
        self._pending.set()

    def hand_back(self, job: ClaimedJob) -> None:
        self._batch.handed_back.append(job)
        self._pending.set()

    async def run(self, worker_id: str) -> None:
        while True:
            await self._pending.wait()
            if self.flush_interval:
                await asyncio.sleep(self.flush_interval)
            try:
                await self.flush(worker_id)
            except BackendError as error:
                logger.warning("Worker %s could not write results (%s); retrying", worker_id, error)
                await asyncio.sleep(0.5)

    async def flush(self, worker_id: str) -> None:
        async with self._flushing:
            await self._flush(worker_id)

    async def _flush(self, worker_id: str) -> None:
        batch = self._batch
        self._pending.clear()
        if batch.empty():
            return
        self._batch = _Batch()
        backend = self.backend
        try:
            now = utc_now()
            async with backend.db.transaction() as connection:
                await backend.logs.insert(connection, batch.logs)
                accepted = await backend.jobs.finish(connection, batch.results, now)
                handed_back = await backend.jobs.hand_back(
                    connection, batch.handed_back, worker_id, now
                )
                if accepted or handed_back:
                    await backend.notifier.publish(connection, [EXECUTOR])
        except BaseException:
            self._batch.results[:0] = batch.results
            self._batch.logs[:0] = batch.logs
            self._batch.handed_back[:0] = batch.handed_back
            self._pending.set()
            raise
        if accepted or handed_back:
            backend.notifier.after_commit([EXECUTOR])
        rejected = {result.job_id for result in batch.results} - {
            result.job_id for result in accepted
        }
        for job_id in sorted(rejected):
            logger.warning(
                "Worker %s: the result of job %s was rejected: the job was handed to another "
                "worker meanwhile",
                worker_id,
                job_id,
            )
