"""Retry attempt counting, retry intervals and limits, and a kill during the wait before a retry.

`maxAttempts` counts the first run: 1 means one attempt in total, 2 means one retry. The flaky
task is a Fail task whose condition reads `taskrun.attemptsCount`, which is 0 on the first
attempt. Waits are checked from stored attempt dates only: the executor never starts the next
attempt before the failed one's end plus the interval.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lanner.executions.model import Execution, TaskRun
from lanner.states import State
from lanner.timestamps import utc_now
from tests.cases.support import TIMEOUT, first_flow, history, messages, run_checked, wait_for
from tests.executor.invariants import check_execution
from tests.support import InstanceHarness


def flaky_flow(
    failures: int,
    retry: str,
    flow_id: str = "retry_second_attempt_succeeds",
) -> str:
    return f"""
id: {flow_id}
namespace: qa.research
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{{{ taskrun.attemptsCount < {failures} }}}}"
    errorMessage: "attempt {{{{ taskrun.attemptsCount }}}} failed"
    retry:{retry}
"""


SECOND_ATTEMPT_SUCCEEDS = flaky_flow(
    1,
    """
      type: constant
      interval: PT1S
      maxAttempts: 2""",
)

RETRY_THEN_KILL = """
id: retry_then_kill
namespace: qa.research
tasks:
  - id: always_fails
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT30S
      maxAttempts: 5
"""


def attempt_states(run: TaskRun) -> list[State]:
    return [attempt.state for attempt in run.attempts]


def waits(run: TaskRun) -> list[timedelta]:
    """The time from the end of each attempt to the creation of the next one."""
    found = []
    for before, after in zip(run.attempts, run.attempts[1:], strict=False):
        assert before.end_date is not None and after.start_date is not None
        found.append(after.start_date - before.end_date)
    return found


async def test_second_attempt_succeeds(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, SECOND_ATTEMPT_SUCCEEDS)

    assert execution.state is State.SUCCESS
    [flaky] = execution.runs_of_task("flaky")
    assert flaky.state is State.SUCCESS
    assert attempt_states(flaky) == [State.FAILED, State.SUCCESS]
    assert waits(flaky)[0] >= timedelta(seconds=1)
    errors = [entry for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert [(entry.message, entry.attempt) for entry in errors] == [("attempt 0 failed", 1)]


async def test_one_attempt_means_no_retry(instance: InstanceHarness) -> None:
    source = SECOND_ATTEMPT_SUCCEEDS.replace("maxAttempts: 2", "maxAttempts: 1")
    execution = await run_checked(instance, source)

    assert execution.state is State.FAILED
    [flaky] = execution.runs_of_task("flaky")
    assert attempt_states(flaky) == [State.FAILED]
    assert State.RETRYING not in history(flaky)


@pytest.mark.parametrize(
    ("failures", "max_attempts", "attempts", "state"),
    [
        (0, 1, 1, State.SUCCESS),
        (0, 3, 1, State.SUCCESS),
        (1, 1, 1, State.FAILED),
        (1, 2, 2, State.SUCCESS),
        (2, 2, 2, State.FAILED),
        (2, 3, 3, State.SUCCESS),
        (3, 3, 3, State.FAILED),
        (3, 4, 4, State.SUCCESS),
    ],
)
@pytest.mark.parametrize("name", ("maxAttempts", "maxAttempt"))
async def test_attempt_numbering(
    instance: InstanceHarness,
    failures: int,
    max_attempts: int,
    attempts: int,
    state: State,
    name: str,
) -> None:
    retry = f"""
      type: constant
      interval: PT0.1S
      {name}: {max_attempts}"""
    execution = await run_checked(instance, flaky_flow(failures, retry, "retry_numbering"))

    assert execution.state is state
    [flaky] = execution.runs_of_task("flaky")
    assert len(flaky.attempts) == attempts
    assert attempt_states(flaky)[-1] is (State.SUCCESS if state is State.SUCCESS else State.FAILED)
    errors = [entry for entry in await instance.logs(execution) if entry.level == "ERROR"]
    failed = attempts if state is State.FAILED else attempts - 1
    assert [(entry.message, entry.attempt) for entry in errors] == [
        (f"attempt {number} failed", number + 1) for number in range(failed)
    ]


@pytest.mark.parametrize(
    ("retry", "minimum_waits"),
    [
        pytest.param(
            "\n      type: constant\n      interval: PT0.2S\n      maxAttempts: 4",
            [0.2, 0.2, 0.2],
            id="constant",
        ),
        pytest.param(
            "\n      type: exponential\n      interval: PT0.1S\n      maxInterval: PT0.3S"
            "\n      maxAttempts: 4",
            [0.1, 0.2, 0.3],
            id="exponential",
        ),
        pytest.param(
            "\n      type: random\n      minInterval: PT0.1S\n      maxInterval: PT0.3S"
            "\n      maxAttempts: 4",
            [0.1, 0.1, 0.1],
            id="random",
        ),
    ],
)
async def test_retry_intervals(
    instance: InstanceHarness, retry: str, minimum_waits: list[float]
) -> None:
    execution = await run_checked(instance, flaky_flow(3, retry, "retry_intervals"))

    assert execution.state is State.SUCCESS
    [flaky] = execution.runs_of_task("flaky")
    assert len(flaky.attempts) == 4
    for wait, minimum in zip(waits(flaky), minimum_waits, strict=True):
        assert wait >= timedelta(seconds=minimum)


async def test_max_duration_limits_attempts(instance: InstanceHarness) -> None:
    retry = """
      type: constant
      interval: PT0.2S
      maxDuration: PT0.7S"""
    execution = await run_checked(instance, flaky_flow(99, retry, "retry_max_duration"))

    assert execution.state is State.FAILED
    [flaky] = execution.runs_of_task("flaky")
    interval = timedelta(seconds=0.2)
    first = flaky.attempts[0].start_date
    assert first is not None
    # Each retry was due within maxDuration of the first attempt; the next would not be.
    for attempt in flaky.attempts[:-1]:
        assert attempt.end_date is not None
        assert attempt.end_date + interval - first <= timedelta(seconds=0.7)
    last_end = flaky.attempts[-1].end_date
    assert last_end is not None
    assert last_end + interval - first > timedelta(seconds=0.7)
    assert len(flaky.attempts) >= 2


async def test_max_attempts_before_max_duration(instance: InstanceHarness) -> None:
    retry = """
      type: constant
      interval: PT0.1S
      maxDuration: PT1H
      maxAttempts: 3"""
    execution = await run_checked(instance, flaky_flow(99, retry, "retry_both_limits"))

    [flaky] = execution.runs_of_task("flaky")
    assert attempt_states(flaky) == [State.FAILED] * 3


async def test_attempt_timeout_retried(instance: InstanceHarness) -> None:
    source = """
id: retry_attempt_timeout
namespace: qa.research
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
    timeout: PT0.3S
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 2
"""
    execution = await run_checked(instance, source)

    assert execution.state is State.FAILED
    [slow] = execution.runs_of_task("slow")
    assert attempt_states(slow) == [State.FAILED, State.FAILED]
    errors = [entry for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert [entry.attempt for entry in errors] == [1, 2]
    assert all("timed out" in entry.message for entry in errors)


async def test_flow_retry_applies_to_tasks(instance: InstanceHarness) -> None:
    source = """
id: retry_flow_level
namespace: qa.research
retry:
  type: constant
  interval: PT0.1S
  maxAttempts: 3
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 2 }}"
  - id: strict
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 1 }}"
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 1
"""
    execution = await run_checked(instance, source)

    assert execution.state is State.FAILED
    [flaky] = execution.runs_of_task("flaky")
    assert attempt_states(flaky) == [State.FAILED, State.FAILED, State.SUCCESS]
    [strict] = execution.runs_of_task("strict")
    assert attempt_states(strict) == [State.FAILED]


async def test_retry_one_iteration_only(instance: InstanceHarness) -> None:
    source = """
id: retry_in_iteration
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    concurrencyLimit: 0
    tasks:
      - id: before
        type: io.kestra.plugin.core.log.Log
        message: "before {{ taskrun.value }}"
      - id: flaky
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == 'b' and taskrun.attemptsCount < 2 }}"
        errorMessage: "{{ taskrun.value }} attempt {{ taskrun.attemptsCount }}"
        retry:
          type: constant
          interval: PT0.1S
          maxAttempts: 3
      - id: after
        type: io.kestra.plugin.core.log.Log
        message: "after {{ taskrun.value }}"
"""
    execution = await run_checked(instance, source)

    assert execution.state is State.SUCCESS
    attempts = {run.value: len(run.attempts) for run in execution.runs_of_task("flaky")}
    assert attempts == {"a": 1, "b": 3, "c": 1}
    for task_id in ("before", "after"):
        runs = execution.runs_of_task(task_id)
        assert sorted(run.value or "" for run in runs) == ["a", "b", "c"]
        assert all(len(run.attempts) == 1 for run in runs)
    logs = await instance.logs(execution)
    assert sorted(messages([e for e in logs if e.level == "ERROR"])) == [
        "b attempt 0",
        "b attempt 1",
    ]


async def _kill_while_retrying(instance: InstanceHarness, source: str) -> Execution:
    flow = first_flow(source)
    await instance.deploy(source)
    created = await instance.instance.executions.create(flow.namespace, flow.id, {})

    async def retrying() -> bool:
        execution = await instance.instance.executions.get(created.id)
        return any(run.state is State.RETRYING for run in execution.task_runs.values())

    await wait_for(retrying, "the retry wait")
    await instance.instance.executions.kill(created.id)
    execution = await instance.instance.executions.wait_until_finished(created.id, TIMEOUT)
    check_execution(execution, flow)
    return execution


def _check_killed_in_wait(execution: Execution) -> TaskRun:
    assert execution.state is State.KILLED
    assert history(execution)[-2:] == [State.KILLING, State.KILLED]
    killing = next(entry.date for entry in execution.histories if entry.state is State.KILLING)
    [run] = execution.runs_of_task("always_fails")
    assert run.state is State.KILLED
    assert State.RETRYING in history(run)
    # No attempt was created once the kill was applied.
    for attempt in run.attempts:
        assert attempt.start_date is not None and attempt.start_date <= killing
    return run


async def test_kill_during_retry_wait(instance: InstanceHarness) -> None:
    execution = await _kill_while_retrying(instance, RETRY_THEN_KILL)

    run = _check_killed_in_wait(execution)
    assert attempt_states(run) == [State.FAILED]
    retry_date = run.attempts[0].end_date
    assert retry_date is not None and execution.end_date is not None
    assert execution.end_date < retry_date + timedelta(seconds=30)


async def test_no_attempt_after_kill(instance: InstanceHarness) -> None:
    source = RETRY_THEN_KILL.replace("PT30S", "PT2S").replace("retry_then_kill", "retry_kill_short")
    execution = await _kill_while_retrying(instance, source)
    run = _check_killed_in_wait(execution)
    last_end = run.attempts[-1].end_date
    assert last_end is not None
    retry_date = last_end + timedelta(seconds=2)

    async def retry_date_passed() -> bool:
        return utc_now() > retry_date + timedelta(seconds=1)

    await wait_for(retry_date_passed, "the retry date to pass")
    # Let the executor apply whatever is still queued for the execution.
    again = await instance.instance.executions.wait_until_finished(execution.id, TIMEOUT)
    [after] = again.runs_of_task("always_fails")
    assert again.state is State.KILLED
    assert after.state is State.KILLED
    assert len(after.attempts) == len(run.attempts)
    assert history(after) == history(run)


async def test_retry_survives_restart(database_url: str, tmp_path: Path) -> None:
    """Stop the instance during the wait before a retry; a new one runs the retry."""
    source = SECOND_ATTEMPT_SUCCEEDS.replace("PT1S", "PT2S")
    flow = first_flow(source)

    first = InstanceHarness(database_url, tmp_path)
    await first.start()
    try:
        await first.deploy(source)
        created = await first.instance.executions.create(flow.namespace, flow.id, {})

        async def retrying() -> bool:
            execution = await first.instance.executions.get(created.id)
            return any(run.state is State.RETRYING for run in execution.task_runs.values())

        await wait_for(retrying, "the retry wait")
    finally:
        await first.stop()

    second = InstanceHarness(database_url, tmp_path)
    await second.start()
    try:
        execution = await second.instance.executions.wait_until_finished(created.id, TIMEOUT)
    finally:
        await second.stop()
    check_execution(execution, flow)
    assert execution.state is State.SUCCESS
    [flaky] = execution.runs_of_task("flaky")
    assert attempt_states(flaky) == [State.FAILED, State.SUCCESS]
    assert waits(flaky)[0] >= timedelta(seconds=2)
