"""Kills at chosen moments: everything ends KILLED and nothing new starts afterwards.

`simulate_kill` checks on every run that the execution ends KILLED and that no attempt and no
task run (except afterExecution tasks) is created after the kill. Task runs done before the kill
keep their state, and flowables still running end KILLED.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from lanner.executions.model import Execution
from lanner.executor.machine import StateMachine
from lanner.executor.messages import ExecutorMessage, MessageKind
from lanner.states import State
from tests.executor.builders import (
    constant_retry,
    fail,
    flow,
    for_each,
    log,
    parallel,
    sequential,
    sleep,
    wait_for,
)
from tests.executor.harness import (
    SCHEDULES,
    Schedule,
    ran,
    simulate_kill,
    simulator,
    state_of,
)


def running(task_id: str, state: State = State.RUNNING) -> Callable[[Execution], bool]:
    """True once a run of the task is in the state."""
    return lambda execution: any(
        run.state is state for run in execution.runs_of_task(task_id)
    )


def ended(task_id: str, count: int) -> Callable[[Execution], bool]:
    """True once `count` runs of the task have ended."""
    return lambda execution: (
        sum(run.state.is_terminal for run in execution.runs_of_task(task_id)) >= count
    )


def job_not_started(task_id: str) -> Callable[[Execution], bool]:
    return lambda execution: any(
        run.state is State.CREATED and run.attempts for run in execution.runs_of_task(task_id)
    )


SEQUENCE = flow([sleep("s1", "PT1M"), sleep("s2", "PT1M"), log("s3")])
LOOP = flow(
    [for_each("each", [f"v{i}" for i in range(6)], [sleep("nap", "PT1M"), log("done")], limit=2),
     log("after")]
)
PARALLEL = flow([parallel("par", [sleep(f"p{i}", f"PT{i + 1}M") for i in range(5)],
                          concurrent=2), log("after")])
NESTED = flow(
    [parallel("par", [
        for_each("each", ["a", "b", "c"], [sequential("group", [sleep("nap", "PT1M"),
                                                               log("done")])], limit=0),
        sequential("side", [sleep("side_nap", "PT2M"), log("side_done")]),
    ])]
)
ERRORS = flow([fail("boom")], errors=[sleep("handle", "PT1M"), log("handled")],
              **{"finally": [log("cleanup")]})
WAITING = flow([wait_for("wait", "{{ false }}", [log("probe")], max_iterations=50,
                         interval="PT1M")])

MOMENTS = [
    pytest.param(SEQUENCE, lambda execution: True, id="at-once"),
    pytest.param(SEQUENCE, job_not_started("s1"), id="job-not-started"),
    pytest.param(SEQUENCE, running("s1"), id="first-running"),
    pytest.param(SEQUENCE, running("s2"), id="second-running"),
    pytest.param(LOOP, running("nap"), id="loop-first-group"),
    pytest.param(LOOP, ended("done", 3), id="loop-half-done"),
    pytest.param(LOOP, ended("nap", 5), id="loop-last-groups"),
    pytest.param(PARALLEL, ended("p0", 1), id="parallel-slot-freed"),
    pytest.param(NESTED, ended("nap", 2), id="nested"),
    pytest.param(NESTED, ended("side_nap", 1), id="nested-side"),
    pytest.param(ERRORS, running("handle"), id="errors-branch"),
    pytest.param(WAITING, ended("probe", 2), id="wait-for-interval"),
]


@pytest.mark.parametrize(("source", "when"), MOMENTS)
@pytest.mark.parametrize("schedule", SCHEDULES, ids=str)
def test_kill_ends_everything(
    source: str, when: Callable[[Execution], bool], schedule: Schedule
) -> None:
    simulation, snapshot = simulate_kill(source, when, schedule)

    assert simulation.execution.state is State.KILLED
    assert any(not state.is_terminal for state in snapshot.states.values()) or not snapshot.states


@pytest.mark.parametrize("schedule", SCHEDULES, ids=str)
def test_kill_during_retry_wait(schedule: Schedule) -> None:
    source = flow([fail("always_fails", retry=constant_retry(5, "PT30S")), log("after")])
    simulation, _ = simulate_kill(source, running("always_fails", State.RETRYING), schedule)

    run = simulation.runs("always_fails")[0]
    assert run.state is State.KILLED
    assert len(run.attempts) == 1
    assert [entry.state for entry in run.histories][-2:] == [State.RETRYING, State.KILLED]
    retry_date = run.attempts[0].end_date
    assert retry_date is not None
    execution_end = simulation.execution.end_date
    assert execution_end is not None
    assert execution_end < retry_date + timedelta(seconds=30)
    assert ran(simulation, "after") == 0


@pytest.mark.parametrize("schedule", SCHEDULES, ids=str)
def test_kill_during_loop_retry(schedule: Schedule) -> None:
    flaky = fail("flaky", condition="{{ taskrun.value == 'b' }}", retry=constant_retry(5, "PT1H"))
    source = flow([for_each("each", ["a", "b", "c"], [flaky, log("done")], limit=0)])
    simulation, _ = simulate_kill(source, running("flaky", State.RETRYING), schedule)

    states = {run.value: run.state for run in simulation.runs("flaky")}
    assert states["b"] is State.KILLED
    assert state_of(simulation, "each") is State.KILLED


@pytest.mark.parametrize("schedule", SCHEDULES, ids=str)
@pytest.mark.parametrize("after_fails", (False, True))
def test_after_execution_after_kill(schedule: Schedule, after_fails: bool) -> None:
    post = fail("post") if after_fails else log("post")
    source = flow([sleep("nap", "PT1M"), log("next")], afterExecution=[post, log("post2")])
    simulation, _ = simulate_kill(source, running("nap"), schedule)

    execution = simulation.execution
    assert execution.state is State.KILLED
    post_run = simulation.runs("post")[0]
    assert post_run.state is (State.FAILED if after_fails else State.SUCCESS)
    assert execution.end_date is not None and post_run.start_date >= execution.end_date
    assert ran(simulation, "post2") == (0 if after_fails else 1)
    assert [entry.state for entry in execution.histories][-1] is State.KILLED


@pytest.mark.parametrize("batch_size", (2, 3, 50))
def test_kill_with_retry_timer(batch_size: int) -> None:
    # The retry's timer and the kill are applied in one batch: the new attempt's job exists
    # already when the kill arrives, so it must be killed too.
    source = flow([fail("always_fails", retry=constant_retry(5, "PT30S"))])
    schedule = Schedule("first", batch_size)
    checks = iter([False, True])

    def timer_fired(execution: Execution) -> bool:
        return next(checks)

    simulation, _ = simulate_kill(
        source, running("always_fails", State.RETRYING), schedule, then=timer_fired
    )

    run = simulation.runs("always_fails")[0]
    assert run.state is State.KILLED
    assert [attempt.state for attempt in run.attempts] == [State.FAILED, State.KILLED]


def test_kill_before_job_claimed() -> None:
    # The job queue answers for a job no worker claimed: KILLED, with no start date.
    source = flow([sleep("nap", "PT1M")])
    waiting = simulator(source, schedule=Schedule("first", 1))
    waiting.step_until(job_not_started("nap"))
    execution = waiting.execution
    [nap] = execution.runs_of_task("nap")
    machine = StateMachine(waiting.flow, execution, waiting.now + timedelta(seconds=1))

    machine.apply(ExecutorMessage(execution.id, MessageKind.KILL, {}))
    assert machine.effects.kill_task_runs == [nap.id]
    killed = {"taskRunId": nap.id, "attempt": 1, "state": State.KILLED.value}
    machine.apply(ExecutorMessage(execution.id, MessageKind.TASK_RUN_RESULT, killed))

    assert execution.state is State.KILLED
    assert [entry.state for entry in nap.histories] == [State.CREATED, State.KILLED]
    assert [entry.state for entry in nap.attempts[0].histories] == [State.CREATED, State.KILLED]
