"""Flow triggers: executions that end start the flows listening to them."""

from __future__ import annotations

from datetime import datetime, timedelta

from lanner.executions.model import Execution
from lanner.scheduler.control import set_disabled
from lanner.triggers.flow_events import on_execution_ended
from tests.support import InstanceHarness
from tests.triggers.support import (
    FrozenClock,
    at,
    executions_of,
    new_scheduler,
    runtime,
    trigger_row,
)

UPSTREAM = """
id: extract
namespace: company.team
labels:
  team: data
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "2024-06-01"
outputs:
  - id: date
    type: STRING
    value: "{{ outputs.ret.value }}"
"""

FAILING = """
id: failing
namespace: company.team
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
"""

DOWNSTREAM = """
id: transform
namespace: company.team
inputs:
  - id: date
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.executionId }} {{ inputs.date }}"
triggers:
  - id: after_extract
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      date: "{{ trigger.outputs.date }}"
    preconditions:
      id: upstream
      flows:
        - namespace: company.team
          flowId: extract
          states: [SUCCESS]
          labels:
            team: data
"""


async def end(
    harness: InstanceHarness, execution: Execution, now: datetime | None = None
) -> list[Execution]:
    """Call the hook as the executor does, in the transaction that ends `execution`."""
    backend = harness.instance.backend
    async with backend.db.transaction() as connection:
        created = await on_execution_ended(backend, connection, execution, now=now)
    backend.notifier.after_commit(["executor"])
    return created


async def test_chain(instance: InstanceHarness) -> None:
    await instance.deploy(DOWNSTREAM)
    upstream = await instance.run(UPSTREAM)

    [created] = await end(instance, upstream)

    downstream = await instance.instance.executions.wait_until_finished(created.id, 60)
    assert downstream.flow_id == "transform"
    assert downstream.state.value == "SUCCESS"
    assert downstream.inputs == {"date": "2024-06-01"}
    trigger = downstream.trigger or {}
    assert trigger["executionId"] == upstream.id
    assert trigger["namespace"] == "company.team"
    assert trigger["flowId"] == "extract"
    assert trigger["state"] == "SUCCESS"
    assert trigger["outputs"] == {"date": "2024-06-01"}
    assert trigger["executionLabels"] == {"team": "data"}


async def test_chain_of_three(instance: InstanceHarness) -> None:
    third = (
        DOWNSTREAM.replace("id: transform", "id: load")
        .replace("flowId: extract", "flowId: transform")
        .replace("          labels:\n            team: data\n", "")
        .replace('date: "{{ trigger.outputs.date }}"', 'date: "{{ trigger.flowId }}"')
    )
    await instance.deploy(DOWNSTREAM)
    await instance.deploy(third)
    upstream = await instance.run(UPSTREAM)

    [second] = await end(instance, upstream)
    second = await instance.instance.executions.wait_until_finished(second.id, 60)
    [last] = await end(instance, second)

    last = await instance.instance.executions.wait_until_finished(last.id, 60)
    assert last.flow_id == "load"
    assert last.inputs == {"date": "transform"}


async def test_states_and_conditions(instance: InstanceHarness) -> None:
    alert = """
id: alert
namespace: ops
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.flowId }} {{ trigger.state }}"
triggers:
  - id: on_failure
    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED, WARNING]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: company
        comparison: PREFIX
"""
    await instance.deploy(alert)
    succeeded = await instance.run(UPSTREAM)
    failed = await instance.run(FAILING)

    assert await end(instance, succeeded) == []
    [created] = await end(instance, failed)

    assert created.flow_id == "alert"
    assert (created.trigger or {})["state"] == "FAILED"


async def test_unmet_labels_and_state(instance: InstanceHarness) -> None:
    await instance.deploy(DOWNSTREAM)
    unlabelled = await instance.run(UPSTREAM.replace("  team: data", "  team: web"))
    failed = await instance.run(FAILING.replace("id: failing", "id: extract"))

    assert await end(instance, unlabelled) == []
    assert await end(instance, failed) == []


async def test_no_self_trigger(instance: InstanceHarness) -> None:
    looping = """
id: looping
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: again
triggers:
  - id: again
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: any
      where:
        - id: namespace
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: company
"""
    execution = await instance.run(looping)

    assert await end(instance, execution) == []


async def test_disabled_trigger_row(instance: InstanceHarness) -> None:
    await instance.deploy(DOWNSTREAM)
    upstream = await instance.run(UPSTREAM)
    await set_disabled(runtime(instance), ("company.team", "transform", "after_extract"), True)

    assert await end(instance, upstream) == []


JOIN = """
id: join
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.outputs }}"
triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both_done
      timeWindow:
        type: SLIDING_WINDOW
        window: PT1H
      flows:
        - namespace: company.team
          flowId: extract
          states: [SUCCESS]
        - namespace: company.team
          flowId: second
          states: [SUCCESS]
"""

SECOND = """
id: second
namespace: company.team
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: done
outputs:
  - id: other
    type: STRING
    value: "{{ outputs.ret.value }}"
"""


async def test_two_upstreams_in_window(instance: InstanceHarness) -> None:
    await instance.deploy(JOIN)
    first = await instance.run(UPSTREAM)
    second = await instance.run(SECOND)
    start = at("2024-06-01T10:00:00Z")

    assert await end(instance, first, now=start) == []
    [created] = await end(instance, second, now=start + timedelta(minutes=30))

    assert (created.trigger or {})["outputs"] == {"date": "2024-06-01", "other": "done"}
    row = await trigger_row(instance, "company.team", "join", "both")
    assert row is not None
    assert row.data.get("windows") == {}
    # The window was reset on success: the second flow alone fires nothing.
    assert await end(instance, second, now=start + timedelta(minutes=40)) == []


async def test_two_upstreams_window_expired(instance: InstanceHarness) -> None:
    first = await instance.run(UPSTREAM)
    second = await instance.run(SECOND)
    # Deployed after both runs, so only the ends replayed below, an hour apart, reach it.
    await instance.deploy(JOIN)
    start = at("2024-06-01T10:00:00Z")

    assert await end(instance, first, now=start) == []
    assert await end(instance, second, now=start + timedelta(minutes=61)) == []
    assert await executions_of(instance, "company.team", "join") == []


async def test_stop_after(instance: InstanceHarness) -> None:
    source = """
id: fragile
namespace: company.team
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    stopAfter: [FAILED]
"""
    await instance.deploy(source)
    clock = FrozenClock("2024-01-01T00:30:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    clock.set("2024-01-01T01:00:00Z")
    await scheduler.cycle()
    [execution] = await executions_of(instance, "company.team", "fragile")
    failed = await instance.instance.executions.wait_until_finished(execution.id, 60)

    await end(instance, failed)

    row = await trigger_row(instance, "company.team", "fragile", "hourly")
    assert row is not None
    assert row.disabled is True
    clock.set("2024-01-01T05:00:00Z")
    assert await scheduler.cycle() == 0
