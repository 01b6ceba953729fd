"""Pause: waiting for a resume, for a duration, or for a timeout."""

from __future__ import annotations

import asyncio

import pytest

from lanner.errors import InvalidInputs
from lanner.executions.control import InvalidRequest
from lanner.states import State
from tests.control.helpers import never_leaves_terminal, one, start, states_of, until
from tests.support import InstanceHarness

WAIT_FOR_APPROVAL = """
id: wait_for_approval
namespace: qa.pause
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        required: false
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "approved={{ outputs.approval.onResume.approved }}
      reason={{ outputs.approval.onResume.reason }}"
"""


async def test_resume_with_inputs(instance: InstanceHarness) -> None:
    created = await start(instance, WAIT_FOR_APPROVAL)
    paused = await until(instance, created.id, lambda item: item.state is State.PAUSED)
    assert one(paused, "approval").state is State.PAUSED

    with pytest.raises(InvalidInputs):
        await instance.instance.controls.resume(created.id, {"approved": "maybe"})
    await instance.instance.controls.resume(created.id, {"approved": "true", "reason": "ok"})
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)

    assert finished.state is State.SUCCESS
    approval = one(finished, "approval")
    assert approval.state is State.SUCCESS
    assert approval.outputs == {"onResume": {"approved": True, "reason": "ok"}}
    assert states_of(approval) == [
        State.CREATED,
        State.RUNNING,
        State.PAUSED,
        State.RUNNING,
        State.SUCCESS,
    ]
    assert [item.state for item in finished.histories] == [
        State.CREATED,
        State.RUNNING,
        State.PAUSED,
        State.RUNNING,
        State.SUCCESS,
    ]
    logs = [entry.message for entry in await instance.logs(finished)]
    assert "approved=true reason=ok" in logs


async def test_resume_not_paused_rejected(instance: InstanceHarness) -> None:
    finished = await instance.run("""
id: no_pause
namespace: qa.pause
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
""")
    with pytest.raises(InvalidRequest, match="not paused"):
        await instance.instance.controls.resume(finished.id)


@pytest.mark.parametrize(
    ("behavior", "task_state", "execution_state"),
    [
        ("RESUME", State.SUCCESS, State.SUCCESS),
        ("WARN", State.WARNING, State.WARNING),
        ("FAIL", State.FAILED, State.FAILED),
        ("CANCEL", State.CANCELLED, State.CANCELLED),
    ],
)
async def test_pause_duration_behavior(
    instance: InstanceHarness, behavior: str, task_state: State, execution_state: State
) -> None:
    finished = await instance.run(f"""
id: timed_pause
namespace: qa.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.5S
    behavior: {behavior}
""")

    assert finished.state is execution_state
    wait = one(finished, "wait")
    assert wait.state is task_state
    assert wait.end_date is not None
    assert (wait.end_date - wait.start_date).total_seconds() >= 0.5


PAUSE_ALLOW_FAILURE = """
id: pause_timeout_allow_failure
namespace: qa.research
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT1S
    allowFailure: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "continued; approval was {{ tasks.approval.state }}"
"""

PAUSE_ERRORS_BRANCH = """
id: pause_timeout_errors_branch
namespace: qa.research
tasks:
  - id: guarded
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: approval
        type: io.kestra.plugin.core.flow.Pause
        timeout: PT1S
    errors:
      - id: on_timeout
        type: io.kestra.plugin.core.log.Log
        message: "approval timed out"
finally:
  - id: always
    type: io.kestra.plugin.core.log.Log
    message: "cleanup ran"
"""


async def test_pause_timeout_allowed_failure(instance: InstanceHarness) -> None:
    finished = await instance.run(PAUSE_ALLOW_FAILURE)

    assert finished.state is State.WARNING
    approval = one(finished, "approval")
    assert approval.state is State.WARNING
    after = one(finished, "after")
    assert after.state is State.SUCCESS
    assert after.start_date >= approval.end_date  # type: ignore[operator]
    logs = await instance.logs(finished)
    errors = [entry.message for entry in logs if entry.task_id == "approval"]
    assert any("timed out after PT1S" in message for message in errors)
    assert "continued; approval was WARNING" in [entry.message for entry in logs]


async def test_pause_timeout_errors_branch(instance: InstanceHarness) -> None:
    finished = await instance.run(PAUSE_ERRORS_BRANCH)

    assert finished.state is State.FAILED
    assert one(finished, "approval").state is State.FAILED
    assert one(finished, "on_timeout").state is State.SUCCESS
    assert one(finished, "always").state is State.SUCCESS
    assert one(finished, "guarded").state is State.FAILED
    messages = [entry.message for entry in await instance.logs(finished)]
    assert "approval timed out" in messages
    assert "cleanup ran" in messages
    assert one(finished, "always").start_date >= one(finished, "on_timeout").end_date  # type: ignore[operator]


async def test_resume_before_timeout_sticks(instance: InstanceHarness) -> None:
    source = PAUSE_ALLOW_FAILURE.replace("PT1S", "PT2S").replace(
        "pause_timeout_allow_failure", "resume_before_timeout"
    )
    created = await start(instance, source)
    await until(instance, created.id, lambda item: item.state is State.PAUSED)
    await instance.instance.controls.resume(created.id)
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)
    await asyncio.sleep(2.5)  # past the timeout: it must change nothing
    again = await instance.instance.executions.get(created.id)

    assert finished.state is State.SUCCESS
    approval = one(again, "approval")
    assert approval.state is State.SUCCESS
    assert states_of(approval) == [
        State.CREATED,
        State.RUNNING,
        State.PAUSED,
        State.RUNNING,
        State.SUCCESS,
    ]
    assert again.state is State.SUCCESS


@pytest.mark.parametrize("delay", [0.2, 0.45, 0.5, 0.55, 0.8])
async def test_resume_racing_timer(instance: InstanceHarness, delay: float) -> None:
    source = f"""
id: race_{str(delay).replace(".", "_")}
namespace: qa.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.5S
    behavior: FAIL
"""
    created = await start(instance, source)
    await until(instance, created.id, lambda item: item.state is State.PAUSED)
    await asyncio.sleep(delay)
    try:
        await instance.instance.controls.resume(created.id)
        resumed = True
    except InvalidRequest:
        resumed = False
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)

    wait = one(finished, "wait")
    assert wait.state in (State.SUCCESS, State.FAILED)
    assert never_leaves_terminal(states_of(wait))
    assert states_of(wait).count(wait.state) == 1
    if not resumed:
        assert wait.state is State.FAILED
    assert finished.state is wait.state


async def test_kill_while_paused(instance: InstanceHarness) -> None:
    created = await start(instance, WAIT_FOR_APPROVAL)
    await until(instance, created.id, lambda item: item.state is State.PAUSED)
    await instance.instance.executions.kill(created.id)
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)

    assert finished.state is State.KILLED
    assert one(finished, "approval").state is State.KILLED
    assert finished.runs_of_task("after") == []


async def test_resume_task_resumes_branch(instance: InstanceHarness) -> None:
    finished = await instance.run("""
id: resume_task
namespace: qa.pause
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
        onResume:
          - id: note
            type: STRING
      - id: release
        type: io.kestra.plugin.core.execution.Resume
        inputs:
          note: released by a task
""")

    assert finished.state is State.SUCCESS
    wait = one(finished, "wait")
    assert wait.outputs == {"onResume": {"note": "released by a task"}}
    assert one(finished, "release").outputs == {"executionId": finished.id}
