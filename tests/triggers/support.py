"""Helpers of the trigger tests: a clock moved by hand, schedulers on it, stored rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.backend.triggers import StoredTrigger
from lanner.executions.model import Execution
from lanner.scheduler import Scheduler, SchedulerSettings
from lanner.scheduler.runtime import TriggerRuntime
from tests.support import InstanceHarness


class FrozenClock:
    """A clock that does not move until a test moves it."""

    def __init__(self, text: str) -> None:
        self.now = at(text)

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = at(text)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def at(text: str) -> datetime:
    """Read an ISO-8601 instant; `Z` or an offset is required."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def new_scheduler(harness: InstanceHarness, clock: FrozenClock, **settings: Any) -> Scheduler:
    return Scheduler(harness.instance.backend, SchedulerSettings(**settings), clock=clock)


def runtime(harness: InstanceHarness, clock: FrozenClock | None = None) -> TriggerRuntime:
    options: dict[str, Any] = {"clock": clock} if clock else {}
    return TriggerRuntime.of(harness.instance.backend, **options)


async def trigger_row(
    harness: InstanceHarness, namespace: str, flow_id: str, trigger_id: str
) -> StoredTrigger | None:
    repository = runtime(harness).repository
    async with harness.instance.backend.db.transaction(write=False) as connection:
        return await repository.get(connection, namespace, flow_id, trigger_id)


async def executions_of(harness: InstanceHarness, namespace: str, flow_id: str) -> list[Execution]:
    """List a flow's executions, ordered by their trigger date, then by id."""
    backend = harness.instance.backend
    async with backend.db.transaction(write=False) as connection:
        found, _ = await backend.executions.search(
            connection, namespace=namespace, flow_id=flow_id, size=1000
        )
    return sorted(found, key=lambda item: (trigger_dates([item]), item.id))


def trigger_dates(executions: list[Execution]) -> list[str]:
    return [str((item.trigger or {}).get("date")) for item in executions]


def flow_with(trigger: str, flow_id: str = "scheduled", extra: str = "") -> str:
    """Build a flow whose one task logs the trigger date, with the given trigger YAML."""
    return (
        f"id: {flow_id}\nnamespace: company.team\n{extra}"
        "tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
        "    message: \"{{ trigger.date ?? 'manual' }}\"\n"
        f"triggers:\n{trigger}"
    )


def schedule(cron: str, zone: str | None = None, extra: str = "", trigger_id: str = "every") -> str:
    lines = [
        f"  - id: {trigger_id}",
        "    type: io.kestra.plugin.core.trigger.Schedule",
        f'    cron: "{cron}"',
        "    allowConcurrent: true",
    ]
    if zone:
        lines.append(f"    timezone: {zone}")
    return "\n".join(lines) + "\n" + extra
