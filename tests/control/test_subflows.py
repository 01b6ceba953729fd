"""Subflows: a task run that starts and follows an execution of another flow."""

from __future__ import annotations

import pytest

from lanner.executions.model import Execution
from lanner.executor.subflows import MAX_SUBFLOW_DEPTH
from lanner.states import State
from tests.control.helpers import never_leaves_terminal, one, start, states_of, until
from tests.support import InstanceHarness

CHILD = """
id: child
namespace: qa.subflows
labels:
  team: child
inputs:
  - id: count
    type: INT
  - id: fail
    type: BOOLEAN
    defaults: false
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value }}"
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.count * 2 }}"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
"""


def parent(wait: bool = True, transmit: bool = True, fail: bool = False) -> str:
    return f"""
id: parent
namespace: qa.subflows
labels:
  owner: parent
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.subflows
    flowId: child
    wait: {str(wait).lower()}
    transmitFailed: {str(transmit).lower()}
    inheritLabels: true
    labels:
      origin: parent
    inputs:
      count: "{{{{ 20 + 1 }}}}"
      fail: {str(fail).lower()}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "child {{{{ outputs.call.executionId }}}}
      said {{{{ outputs.call.outputs.doubled ?? 'nothing' }}}}"
"""


async def test_subflow_waits_for_child(instance: InstanceHarness) -> None:
    await instance.deploy(CHILD)
    finished = await instance.run(parent())

    assert finished.state is State.SUCCESS
    call = one(finished, "call")
    assert call.state is State.SUCCESS
    child_id = call.outputs["executionId"]  # type: ignore[index]
    assert call.outputs == {"executionId": child_id, "state": "SUCCESS", "outputs": {"doubled": 42}}
    child = await instance.instance.executions.get(child_id)
    assert child.state is State.SUCCESS
    assert child.parent is not None
    assert child.parent["executionId"] == finished.id
    assert child.parent["taskRunId"] == call.id
    assert child.inputs == {"count": 21, "fail": False}
    labels = {label["key"]: label["value"] for label in child.labels}
    assert labels == {"team": "child", "owner": "parent", "origin": "parent"}
    assert call.end_date is not None and child.end_date is not None
    assert call.end_date >= child.end_date
    messages = [entry.message for entry in await instance.logs(finished)]
    assert f"child {child_id} said 42" in messages


async def test_subflow_without_wait(instance: InstanceHarness) -> None:
    await instance.deploy(CHILD)
    finished = await instance.run(parent(wait=False))

    assert finished.state is State.SUCCESS
    call = one(finished, "call")
    assert call.state is State.SUCCESS
    assert set(call.outputs or {}) == {"executionId"}
    child = await instance.instance.executions.wait_until_finished(
        call.outputs["executionId"],
        60,  # type: ignore[index]
    )
    assert child.state is State.SUCCESS


@pytest.mark.parametrize(("transmit", "expected"), [(True, State.FAILED), (False, State.SUCCESS)])
async def test_failed_child_transmits(
    instance: InstanceHarness, transmit: bool, expected: State
) -> None:
    await instance.deploy(CHILD)
    finished = await instance.run(parent(transmit=transmit, fail=True))

    call = one(finished, "call")
    assert call.state is expected
    assert call.outputs is not None
    assert call.outputs["state"] == "FAILED"
    assert finished.state is expected
    # The parent's logs point at the failed child.
    lines = [entry for entry in await instance.logs(finished) if entry.task_run_id == call.id]
    child_id = call.outputs["executionId"]
    assert any(f"subflow execution {child_id} ended FAILED" in entry.message for entry in lines)


MISSING = """
id: parallel_each_missing_subflows
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["no_such_flow_1", "no_such_flow_2"]
    concurrencyLimit: 0
    tasks:
      - id: call
        type: io.kestra.plugin.core.flow.Subflow
        namespace: qa.research
        flowId: "{{ taskrun.value }}"
        wait: true
"""


async def test_missing_subflows_fail(instance: InstanceHarness) -> None:
    finished = await instance.run(MISSING)

    assert finished.state is State.FAILED
    calls = finished.runs_of_task("call")
    assert len(calls) == 2
    assert all(call.state is State.FAILED for call in calls)
    # No child was created, so no output names one.
    assert all(not call.outputs for call in calls)
    assert all(run.state.is_terminal for run in finished.task_runs.values())
    assert never_leaves_terminal([item.state for item in finished.histories])
    logs = await instance.logs(finished)
    for call in calls:
        errors = [entry.message for entry in logs if entry.task_run_id == call.id]
        assert any(
            f"qa.research.{call.value}" in message and "not found" in message for message in errors
        ), errors


async def test_flow_cannot_call_itself(instance: InstanceHarness) -> None:
    finished = await instance.run("""
id: looping
namespace: qa.subflows
tasks:
  - id: again
    type: io.kestra.plugin.core.flow.Subflow
    namespace: "{{ flow.namespace }}"
    flowId: "{{ flow.id }}"
""")
    assert finished.state is State.FAILED
    messages = [entry.message for entry in await instance.logs(finished)]
    assert any("cannot call itself" in message for message in messages)


async def test_kill_parent_kills_child(instance: InstanceHarness) -> None:
    await instance.deploy("""
id: slow_child
namespace: qa.subflows
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
""")
    created = await start(
        instance,
        """
id: slow_parent
namespace: qa.subflows
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.subflows
    flowId: slow_child
""",
    )
    running = await until(
        instance,
        created.id,
        lambda item: bool(item.runs_of_task("call") and item.runs_of_task("call")[0].outputs),
    )
    child_id = one(running, "call").outputs["executionId"]  # type: ignore[index]
    await until(instance, child_id, lambda item: bool(item.runs_of_task("nap")))
    await instance.instance.executions.kill(created.id)
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)
    child = await instance.instance.executions.wait_until_finished(child_id, 60)

    assert finished.state is State.KILLED
    assert child.state is State.KILLED
    assert one(child, "nap").state is State.KILLED
    assert one(finished, "call").state is State.KILLED
    assert never_leaves_terminal(states_of(one(finished, "call")))


PING_PONG = """
id: ping
namespace: qa.cycle
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.cycle
    flowId: pong
---
id: pong
namespace: qa.cycle
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.cycle
    flowId: ping
"""


async def test_subflow_cycle_stops_at_depth(instance: InstanceHarness) -> None:
    finished = await instance.run(PING_PONG, timeout=120)

    assert finished.state is State.FAILED
    executions = await _executions(instance, "qa.cycle")
    # The root and MAX_SUBFLOW_DEPTH levels below it; the deepest one's call fails.
    assert len(executions) == MAX_SUBFLOW_DEPTH + 1
    assert {execution.state for execution in executions} == {State.FAILED}
    rejected = [
        entry.message
        for execution in executions
        for entry in await instance.instance.executions.logs(execution.id)
        if "subflow levels deep" in entry.message
    ]
    assert len(rejected) == 1


async def _executions(instance: InstanceHarness, namespace: str) -> list[Execution]:
    backend = instance.instance.backend
    async with backend.db.transaction(write=False) as connection:
        found, _ = await backend.executions.search(connection, namespace=namespace, size=100)
    return found
