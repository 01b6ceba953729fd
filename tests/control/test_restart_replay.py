"""Restart, replay, a task run's state set by hand, and retries as new executions."""

from __future__ import annotations

import asyncio

from lanner.executions.model import Execution
from lanner.states import State
from tests.control.helpers import never_leaves_terminal, one, start, states_of, until
from tests.support import InstanceHarness


def _restarted(execution: Execution) -> bool:
    return State.RESTARTED in [item.state for item in execution.histories]


FLAKY_ONCE = """
id: flaky_once
namespace: qa.restart
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: first
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 1 }}"
    errorMessage: "fails on its first attempt"
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: "last ran"
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: "error handled"
"""


async def test_restart_runs_failed_again(instance: InstanceHarness) -> None:
    failed = await instance.run(FLAKY_ONCE)
    assert failed.state is State.FAILED
    assert one(failed, "on_error").state is State.SUCCESS

    await instance.instance.controls.restart(failed.id)
    await until(instance, failed.id, _restarted, timeout=30)
    restarted = await instance.instance.executions.wait_until_finished(failed.id, 60)

    assert restarted.state is State.SUCCESS
    flaky = one(restarted, "flaky")
    assert [attempt.state for attempt in flaky.attempts] == [State.FAILED, State.SUCCESS]
    assert State.RESTARTED in states_of(flaky)
    assert one(restarted, "last").state is State.SUCCESS
    assert one(restarted, "first").attempts[0].state is State.SUCCESS
    assert len(one(restarted, "first").attempts) == 1
    assert restarted.runs_of_task("on_error") == []
    states = [item.state for item in restarted.histories]
    assert states[-3:] == [State.RESTARTED, State.RUNNING, State.SUCCESS]


async def test_change_state_continues(instance: InstanceHarness) -> None:
    failed = await instance.run(FLAKY_ONCE.replace("taskrun.attemptsCount < 1", "true"))
    flaky = one(failed, "flaky")

    await instance.instance.controls.change_state(failed.id, flaky.id, State.SUCCESS)
    await until(instance, failed.id, _restarted, timeout=30)
    changed = await instance.instance.executions.wait_until_finished(failed.id, 60)

    assert changed.state is State.SUCCESS
    assert one(changed, "flaky").state is State.SUCCESS
    assert one(changed, "last").state is State.SUCCESS
    assert changed.runs_of_task("on_error") == []


async def test_replay_from_task_run(instance: InstanceHarness) -> None:
    done = await instance.run("""
id: replayed
namespace: qa.restart
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b]
    tasks:
      - id: one
        type: io.kestra.plugin.core.debug.Return
        format: "one {{ taskrun.value }}"
      - id: two
        type: io.kestra.plugin.core.debug.Return
        format: "two {{ taskrun.value }} {{ outputs.one[taskrun.value].value }}"
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: done
""")
    two_b = next(run for run in done.runs_of_task("two") if run.value == "b")

    replay = await instance.instance.controls.replay(done.id, two_b.id)
    finished = await instance.instance.executions.wait_until_finished(replay.id, 60)

    assert finished.state is State.SUCCESS
    assert finished.original_id == done.id
    assert len(finished.task_runs) == len(done.task_runs)
    old_ids = set(done.task_runs)
    assert not old_ids & set(finished.task_runs)
    new_two_b = next(run for run in finished.runs_of_task("two") if run.value == "b")
    assert new_two_b.outputs == {"value": "two b one b"}
    assert new_two_b.start_date > two_b.start_date
    kept = next(run for run in finished.runs_of_task("one") if run.value == "b")
    assert (
        kept.start_date
        == next(run for run in done.runs_of_task("one") if run.value == "b").start_date
    )
    assert one(finished, "last").state is State.SUCCESS


async def test_retry_as_new_execution(instance: InstanceHarness) -> None:
    first = await instance.run("""
id: retried
namespace: qa.restart
retry:
  type: constant
  interval: PT0.2S
  maxAttempts: 3
  behavior: CREATE_NEW_EXECUTION
tasks:
  - id: only_first_fails
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ execution.id == execution.originalId }}"
""")
    assert first.state is State.RETRIED
    backend = instance.instance.backend
    retries = []
    for _ in range(200):
        async with backend.db.transaction(write=False) as connection:
            found, _ = await backend.executions.search(connection, flow_id="retried", size=10)
        retries = [item for item in found if item.id != first.id]
        if retries and retries[0].state.is_terminal:
            break
        await asyncio.sleep(0.05)
    assert len(retries) == 1
    second = await instance.instance.executions.wait_until_finished(retries[0].id, 60)
    assert second.state is State.SUCCESS
    assert second.original_id == first.id
    assert second.internal["attemptNumber"] == 2
    assert second.start_date >= first.end_date  # type: ignore[operator]


async def test_kill_during_retry_wait(instance: InstanceHarness) -> None:
    created = await start(
        instance,
        """
id: retry_then_kill
namespace: qa.research
tasks:
  - id: always_fails
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT30S
      maxAttempts: 5
""",
    )
    await until(
        instance,
        created.id,
        lambda item: (
            bool(item.runs_of_task("always_fails"))
            and item.runs_of_task("always_fails")[0].state is State.RETRYING
        ),
    )
    await instance.instance.executions.kill(created.id)
    killed = await instance.instance.executions.wait_until_finished(created.id, 30)

    assert killed.state is State.KILLED
    task_run = one(killed, "always_fails")
    assert task_run.state is State.KILLED
    assert len(task_run.attempts) == 1
    assert never_leaves_terminal(states_of(task_run))
