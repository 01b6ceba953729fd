"""recoverMissedSchedules: the slots missed while no scheduler ran."""

from __future__ import annotations

import asyncio

import pytest

from lanner.scheduler import Scheduler
from tests.support import InstanceHarness
from tests.triggers.support import (
    FrozenClock,
    at,
    executions_of,
    flow_with,
    new_scheduler,
    schedule,
    trigger_dates,
    trigger_row,
)


async def start_and_stop(scheduler: Scheduler) -> None:
    """Run a scheduler until its first cycle is over, then stop it as a process would."""
    stopping = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stopping))
    original = scheduler.cycle
    cycled = asyncio.Event()

    async def cycle() -> int:
        created = await original()
        cycled.set()
        return created

    scheduler.cycle = cycle  # type: ignore[method-assign]
    try:
        await asyncio.wait_for(cycled.wait(), timeout=60)
    finally:
        stopping.set()
        await task


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "ALL",
            [
                "2024-01-01T01:00:00Z",
                "2024-01-01T02:00:00Z",
                "2024-01-01T03:00:00Z",
                "2024-01-01T04:00:00Z",
                "2024-01-01T05:00:00Z",
            ],
        ),
        ("LAST", ["2024-01-01T05:00:00Z"]),
        ("NONE", []),
    ],
)
async def test_recover_after_pause(
    instance: InstanceHarness, policy: str, expected: list[str]
) -> None:
    trigger = schedule("0 * * * *", "UTC", f"    recoverMissedSchedules: {policy}\n")
    await instance.deploy(flow_with(trigger))
    clock = FrozenClock("2024-01-01T00:30:00Z")
    await start_and_stop(new_scheduler(instance, clock))

    clock.set("2024-01-01T05:30:00Z")
    await start_and_stop(new_scheduler(instance, clock))

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == expected
    row = await trigger_row(instance, "company.team", "scheduled", "every")
    assert row is not None
    assert row.next_date == at("2024-01-01T06:00:00Z")


async def test_default_policy_setting(instance: InstanceHarness) -> None:
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC")))
    clock = FrozenClock("2024-01-01T00:30:00Z")
    await start_and_stop(new_scheduler(instance, clock))

    clock.set("2024-01-01T05:30:00Z")
    await start_and_stop(new_scheduler(instance, clock, recover_missed_schedules="LAST"))

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == ["2024-01-01T05:00:00Z"]


async def test_no_recovery_while_another_runs(instance: InstanceHarness) -> None:
    trigger = schedule("0 * * * *", "UTC", "    recoverMissedSchedules: NONE\n")
    await instance.deploy(flow_with(trigger))
    clock = FrozenClock("2024-01-01T00:30:00Z")
    await new_scheduler(instance, clock).cycle()
    other = new_scheduler(instance, clock)
    stopping = asyncio.Event()
    running = asyncio.create_task(other.run(stopping))
    try:
        # The other scheduler is registered; a slot due now is not a missed one.
        for _ in range(100):
            await asyncio.sleep(0.05)
            async with instance.instance.backend.db.transaction(write=False) as connection:
                rows = await instance.instance.backend.components.registered(connection)
            if any(row.role == "scheduler" for row in rows):
                break
        clock.set("2024-01-01T01:00:00Z")
        await start_and_stop(new_scheduler(instance, clock))
    finally:
        stopping.set()
        await running

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == ["2024-01-01T01:00:00Z"]
