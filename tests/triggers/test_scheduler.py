"""The scheduler end to end, on both backends, with a clock moved by hand."""

from __future__ import annotations

import pytest

from lanner.errors import InvalidFlow
from lanner.states import State
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

KOLKATA = flow_with(schedule("12 13 * * *", "Asia/Kolkata"))


async def test_new_trigger_next_date(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-03-07T00:00:00Z")
    await instance.deploy(KOLKATA)

    await new_scheduler(instance, clock).cycle()

    row = await trigger_row(instance, "company.team", "scheduled", "every")
    assert row is not None
    assert row.next_date == at("2024-03-07T07:42:00Z")


async def test_updated_trigger_next_date(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-03-06T00:00:00Z")
    await instance.deploy(flow_with(schedule("0 3 * * *", "UTC")))
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    clock.set("2024-03-07T00:00:00Z")

    await instance.deploy(KOLKATA)
    await scheduler.cycle()

    row = await trigger_row(instance, "company.team", "scheduled", "every")
    assert row is not None
    assert row.flow_revision == 2
    assert row.next_date == at("2024-03-07T07:42:00Z")


async def test_default_zone_setting(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-03-07T00:00:00Z")
    await instance.deploy(flow_with(schedule("12 13 * * *")))

    await new_scheduler(instance, clock, timezone="Asia/Kolkata").cycle()

    row = await trigger_row(instance, "company.team", "scheduled", "every")
    assert row is not None
    assert row.next_date == at("2024-03-07T07:42:00Z")


async def test_fires_due_slots(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-03-07T00:00:00Z")
    await instance.deploy(KOLKATA)
    scheduler = new_scheduler(instance, clock)
    assert await scheduler.cycle() == 0

    clock.set("2024-03-09T08:00:00Z")
    assert await scheduler.cycle() == 3
    assert await scheduler.cycle() == 0

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == [
        "2024-03-07T13:12:00+05:30",
        "2024-03-08T13:12:00+05:30",
        "2024-03-09T13:12:00+05:30",
    ]
    first = executions[0].trigger or {}
    assert first["next"] == "2024-03-08T13:12:00+05:30"
    assert first["previous"] == "2024-03-06T13:12:00+05:30"
    assert first["id"] == "every"
    ended = await instance.instance.executions.wait_until_finished(executions[0].id, 60)
    assert ended.state is State.SUCCESS


async def test_trigger_date_in_expressions(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-03-07T07:00:00Z")
    await instance.deploy(KOLKATA)
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    clock.set("2024-03-07T07:42:00Z")
    await scheduler.cycle()

    [execution] = await executions_of(instance, "company.team", "scheduled")
    ended = await instance.instance.executions.wait_until_finished(execution.id, 60)
    logs = await instance.logs(ended)
    assert any(entry.message == "2024-03-07T13:12:00+05:30" for entry in logs)


async def test_inputs_and_conditions(instance: InstanceHarness) -> None:
    trigger = schedule(
        "0 10 * * *",
        "UTC",
        "    inputs:\n      who: \"{{ trigger.date | date('EEEE') }}\"\n"
        "    conditions:\n      - type: io.kestra.plugin.core.condition.Weekend\n",
    )
    inputs = "inputs:\n  - id: who\n    type: STRING\n"
    await instance.deploy(flow_with(trigger, extra=inputs))
    clock = FrozenClock("2024-05-31T00:00:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    row = await trigger_row(instance, "company.team", "scheduled", "every")
    assert row is not None
    assert row.next_date == at("2024-06-01T10:00:00Z")

    clock.set("2024-06-04T00:00:00Z")
    await scheduler.cycle()

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == ["2024-06-01T10:00:00Z", "2024-06-02T10:00:00Z"]
    assert [item.inputs["who"] for item in executions] == ["Saturday", "Sunday"]
    assert (executions[0].trigger or {})["next"] == "2024-06-02T10:00:00Z"
    assert (executions[1].trigger or {})["next"] == "2024-06-08T10:00:00Z"


async def test_disabled_flow_and_trigger(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-01-01T00:00:00Z")
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC", "    disabled: true\n")))
    await instance.deploy(
        flow_with(schedule("0 * * * *", "UTC"), "paused_flow", "disabled: true\n")
    )
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    clock.set("2024-01-01T05:00:00Z")
    assert await scheduler.cycle() == 0

    assert await executions_of(instance, "company.team", "scheduled") == []
    assert await executions_of(instance, "company.team", "paused_flow") == []


async def test_deleted_flow_stops(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-01-01T00:00:00Z")
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC")))
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    await instance.instance.flows.delete("company.team", "scheduled")
    clock.set("2024-01-01T05:00:00Z")
    assert await scheduler.cycle() == 0

    assert await trigger_row(instance, "company.team", "scheduled", "every") is None


async def test_removed_trigger_stops(instance: InstanceHarness) -> None:
    clock = FrozenClock("2024-01-01T00:00:00Z")
    both = schedule("0 * * * *", "UTC") + schedule("30 * * * *", "UTC", trigger_id="half")
    await instance.deploy(flow_with(both))
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    await instance.deploy(flow_with(schedule("0 * * * *", "UTC")))
    clock.set("2024-01-01T01:45:00Z")
    assert await scheduler.cycle() == 1

    assert await trigger_row(instance, "company.team", "scheduled", "half") is None


async def test_schedule_on_dates(instance: InstanceHarness) -> None:
    trigger = (
        "  - id: dates\n    type: io.kestra.plugin.core.trigger.ScheduleOnDates\n"
        "    timezone: Europe/Paris\n    dates:\n"
        "      - 2024-06-01T10:00:00\n      - 2024-06-03T10:00:00\n      - 2023-01-01T10:00:00\n"
    )
    await instance.deploy(flow_with(trigger))
    clock = FrozenClock("2024-05-01T00:00:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    clock.set("2024-06-02T00:00:00Z")
    await scheduler.cycle()
    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == ["2024-06-01T10:00:00+02:00"]

    await instance.instance.executions.wait_until_finished(executions[0].id, 60)
    clock.set("2024-07-01T00:00:00Z")
    await scheduler.cycle()
    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == ["2024-06-01T10:00:00+02:00", "2024-06-03T10:00:00+02:00"]
    row = await trigger_row(instance, "company.team", "scheduled", "dates")
    assert row is not None
    assert row.next_date is None


async def test_late_maximum_delay(instance: InstanceHarness) -> None:
    trigger = schedule("0 * * * *", "UTC", "    lateMaximumDelay: PT90M\n")
    await instance.deploy(flow_with(trigger))
    clock = FrozenClock("2024-01-01T00:30:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    clock.set("2024-01-01T05:00:00Z")
    await scheduler.cycle()

    executions = await executions_of(instance, "company.team", "scheduled")
    assert trigger_dates(executions) == [
        "2024-01-01T04:00:00Z",
        "2024-01-01T05:00:00Z",
    ]


async def test_waits_for_running_execution(instance: InstanceHarness) -> None:
    source = (
        "id: slow\nnamespace: company.team\n"
        "tasks:\n  - id: wait\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT1S\n"
        "triggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        '    cron: "* * * * *"\n'
    )
    await instance.deploy(source)
    clock = FrozenClock("2024-01-01T00:00:30Z")
    scheduler = new_scheduler(instance, clock, lock_retry=0)
    await scheduler.cycle()

    clock.set("2024-01-01T00:03:30Z")
    assert await scheduler.cycle() == 1
    assert await scheduler.cycle() == 0
    [first] = await executions_of(instance, "company.team", "slow")
    await instance.instance.executions.wait_until_finished(first.id, 60)

    assert await scheduler.cycle() == 1
    executions = await executions_of(instance, "company.team", "slow")
    assert trigger_dates(executions) == ["2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"]


async def test_unknown_zone_rejected(instance: InstanceHarness) -> None:
    with pytest.raises(InvalidFlow, match="unknown time zone 'Europe/Pariss'"):
        await instance.deploy(flow_with(schedule("0 * * * *", "Europe/Pariss")))
