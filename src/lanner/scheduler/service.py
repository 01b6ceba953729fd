"""The scheduler component: fires Schedule and ScheduleOnDates triggers at their slots.

Each cycle it brings the trigger rows in step with the deployed flows, then claims due
triggers a batch at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so schedulers never wait
for each other), and for each one creates the executions of its due slots and advances it in
the same transaction. Any number of schedulers can share a database; each slot fires once.
Webhook and Flow triggers need no scheduler: the API and the executor fire them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.database import is_connection_error
from lanner.backend.store import Backend
from lanner.backend.triggers import StoredTrigger
from lanner.errors import BackendError
from lanner.executor.context import InstanceContext
from lanner.liveness import Heartbeat, LivenessSettings, component_id
from lanner.scheduler.firing import Fired, fire_due
from lanner.scheduler.recovery import recover_missed
from lanner.scheduler.runtime import DEFAULT_TIME_ZONE, Clock, TriggerRuntime
from lanner.scheduler.sync import FlowSync
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)

# How long a trigger whose firing raised an unexpected error waits before it is tried again.
FAILURE_RETRY = timedelta(seconds=60)


@dataclass
class SchedulerSettings:
    # The zone of Schedule and ScheduleOnDates triggers that set no `timezone`.
    timezone: str = DEFAULT_TIME_ZONE
    # The policy of Schedule triggers that set no `recoverMissedSchedules`.
    recover_missed_schedules: str = "ALL"
    # Seconds between two cycles.
    poll_interval: float = 1.0
    # Triggers claimed in one transaction.
    batch_size: int = 50
    # Slots of one trigger fired in one transaction at most; the rest fire in the next cycle.
    max_slots_per_trigger: int = 100
    # Seconds before a trigger that waits for its running execution is looked at again.
    lock_retry: float = 5.0
    liveness: LivenessSettings = field(default_factory=LivenessSettings)


class Scheduler:
    def __init__(
        self,
        backend: Backend,
        settings: SchedulerSettings | None = None,
        *,
        clock: Clock = utc_now,
        encryption_key: str | None = None,
        instance: InstanceContext | None = None,
    ) -> None:
        self.settings = settings or SchedulerSettings()
        self.runtime = TriggerRuntime.of(
            backend,
            default_zone=self.settings.timezone,
            default_recovery=self.settings.recover_missed_schedules,
            clock=clock,
            encryption_key=encryption_key,
            instance=instance or InstanceContext(),
        )
        self.sync = FlowSync(self.runtime)
        self.id = component_id("scheduler")

    @property
    def backend(self) -> Backend:
        return self.runtime.backend

    async def run(self, stopping: asyncio.Event) -> None:
        logger.info("Scheduler %s started", self.id)
        heartbeat = Heartbeat(self.backend, self.id, "scheduler", self.settings.liveness)
        await heartbeat.register()
        beating = asyncio.create_task(heartbeat.run(stopping))
        backoff = 0.1
        try:
            await recover_missed(self.runtime, self.id, self.settings.liveness.heartbeat_timeout)
            while not stopping.is_set():
                try:
                    await self.cycle()
                    backoff = 0.1
                except BackendError as error:
                    if not is_connection_error(error):
                        raise
                    logger.warning(
                        "Scheduler lost the database (%s); retrying in %.1f s", error, backoff
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=self.settings.poll_interval)
        finally:
            logger.info("Stopping scheduler %s", self.id)
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            await heartbeat.deregister()
            logger.info("Scheduler %s stopped", self.id)

    async def cycle(self) -> int:
        """Update the trigger rows and fire every due slot; return the executions created."""
        await self.sync.run()
        created = 0
        while True:
            claimed, fired = await self._fire_batch()
            created += fired
            if claimed < self.settings.batch_size or fired == 0:
                return created

    async def _fire_batch(self) -> tuple[int, int]:
        runtime = self.runtime
        now = runtime.clock()
        channels: set[str] = set()
        created = 0
        async with self.backend.db.transaction() as connection:
            rows = await runtime.repository.claim_due(connection, now, self.settings.batch_size)
            for row in rows:
                fired = await self._fire_one(connection, row, now)
                created += len(fired.executions)
                channels |= fired.channels
        if channels:
            self.backend.notifier.after_commit(channels)
        return len(rows), created

    async def _fire_one(
        self, connection: AsyncConnection, row: StoredTrigger, now: datetime
    ) -> Fired:
        """Fire one trigger in a savepoint, so that a failure sets only this trigger aside."""
        retry = timedelta(seconds=self.settings.lock_retry)
        try:
            async with connection.begin_nested():
                return await fire_due(
                    self.runtime, connection, row, now, self.settings.max_slots_per_trigger, retry
                )
        except BackendError:
            raise
        except Exception:
            logger.exception(
                "Trigger %s of flow %s.%s failed to fire; it is retried in %d s",
                row.trigger_id,
                row.namespace,
                row.flow_id,
                FAILURE_RETRY.total_seconds(),
            )
        row.next_date = now + FAILURE_RETRY
        row.updated = utc_now()
        await self.runtime.repository.update(connection, row)
        return Fired()
