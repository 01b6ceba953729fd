"""Retries: attempt counting, intervals, limits, and which retry policy applies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lanner.executions.model import TaskRun
from lanner.states import State
from tests.executor.builders import constant_retry, fail, flow, for_each, log, output, sequential
from tests.executor.harness import errors_of, ran, simulate_all, state_of


def _waits(run: TaskRun) -> list[timedelta]:
    """The time between the end of each attempt and the creation of the next one."""
    waits = []
    for before, after in zip(run.attempts, run.attempts[1:], strict=False):
        assert before.end_date is not None and after.start_date is not None
        waits.append(after.start_date - before.end_date)
    return waits


def _attempt_states(run: TaskRun) -> list[State]:
    return [attempt.state for attempt in run.attempts]


RETRIES = {
    "constant": {"type": "constant", "interval": "PT10S"},
    "exponential": {"type": "exponential", "interval": "PT1S", "maxInterval": "PT5S"},
    "random": {"type": "random", "minInterval": "PT1S", "maxInterval": "PT3S"},
}

# failures before the first success, maxAttempts -> attempts, end state
ATTEMPT_TABLE = [
    (0, 1, 1, State.SUCCESS),
    (1, 1, 1, State.FAILED),
    (1, 2, 2, State.SUCCESS),
    (2, 2, 2, State.FAILED),
    (2, 3, 3, State.SUCCESS),
    (5, 3, 3, State.FAILED),
    (0, 4, 1, State.SUCCESS),
    (3, 4, 4, State.SUCCESS),
    (9, 4, 4, State.FAILED),
]


@pytest.mark.parametrize(("failures", "max_attempts", "attempts", "expected"), ATTEMPT_TABLE)
@pytest.mark.parametrize("kind", RETRIES)
@pytest.mark.parametrize("name", ("maxAttempts", "maxAttempt"))
def test_retry_attempts(
    failures: int, max_attempts: int, attempts: int, expected: State, kind: str, name: str
) -> None:
    retry = {**RETRIES[kind], name: max_attempts}
    source = flow([log("flaky", retry=retry), log("after")])
    simulation = simulate_all(source, fail_attempts={"flaky": failures})

    run = simulation.runs("flaky")[0]
    assert run.state is expected
    assert len(run.attempts) == attempts
    succeeded = expected is State.SUCCESS
    assert _attempt_states(run) == [State.FAILED] * (attempts - int(succeeded)) + (
        [State.SUCCESS] if succeeded else []
    )
    assert [entry.state for entry in run.histories].count(State.RETRYING) == attempts - 1
    assert ran(simulation, "after") == int(succeeded)
    assert simulation.execution.state is expected


def test_retry_constant_interval() -> None:
    simulation = simulate_all(
        flow([log("flaky", retry={**RETRIES["constant"], "maxAttempts": 4})]),
        fail_attempts={"flaky": 3},
    )

    assert _waits(simulation.runs("flaky")[0]) == [timedelta(seconds=10)] * 3


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        pytest.param({}, [1, 2, 4, 5, 5], id="doubling-capped"),
        pytest.param({"delayFactor": 3}, [1, 3, 5, 5, 5], id="factor-3"),
    ],
)
def test_retry_exponential_intervals(retry: dict[str, Any], expected: list[int]) -> None:
    policy = {**RETRIES["exponential"], "maxAttempts": 6, **retry}
    simulation = simulate_all(flow([log("flaky", retry=policy)]), fail_attempts={"flaky": 9})

    waits = _waits(simulation.runs("flaky")[0])
    assert waits == [timedelta(seconds=seconds) for seconds in expected]


def test_retry_random_intervals() -> None:
    policy = {**RETRIES["random"], "maxAttempts": 8}
    simulation = simulate_all(
        flow([log("flaky", retry=policy)]), fail_attempts={"flaky": 9}
    )

    waits = _waits(simulation.runs("flaky")[0])
    assert len(waits) == 7
    assert all(timedelta(seconds=1) <= wait <= timedelta(seconds=3) for wait in waits)


def test_retry_default_limit() -> None:
    simulation = simulate_all(
        flow([log("flaky", retry={"type": "constant", "interval": "PT1S"})]),
        fail_attempts={"flaky": 9},
    )

    assert len(simulation.runs("flaky")[0].attempts) == 3


@pytest.mark.parametrize(
    ("max_duration", "attempts"),
    [("PT5S", 1), ("PT10.01S", 2), ("PT25S", 3), ("PT1M", 6)],
)
def test_retry_max_duration(max_duration: str, attempts: int) -> None:
    # Each attempt lasts 10 ms and the next one starts 10 s after it ends.
    policy = {"type": "constant", "interval": "PT10S", "maxDuration": max_duration}
    simulation = simulate_all(flow([log("flaky", retry=policy)]), fail_attempts={"flaky": 99})

    run = simulation.runs("flaky")[0]
    assert run.state is State.FAILED
    assert len(run.attempts) == attempts


def test_retry_max_duration_and_attempts() -> None:
    policy = {"type": "constant", "interval": "PT10S", "maxDuration": "PT1M", "maxAttempts": 2}
    simulation = simulate_all(flow([log("flaky", retry=policy)]), fail_attempts={"flaky": 99})

    assert len(simulation.runs("flaky")[0].attempts) == 2


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, State.SUCCESS), (1, State.WARNING), (2, State.WARNING), (3, State.FAILED)],
)
def test_warning_on_retry(failures: int, expected: State) -> None:
    policy = constant_retry(3, warningOnRetry=True)
    simulation = simulate_all(flow([log("flaky", retry=policy)]), fail_attempts={"flaky": failures})

    assert state_of(simulation, "flaky") is expected
    assert simulation.execution.state is expected


FLOW_RETRY = constant_retry(5)
PARENT_RETRY = constant_retry(3)
TASK_RETRY = constant_retry(2)


@pytest.mark.parametrize(
    ("flow_retry", "parent_retry", "task_retry", "attempts"),
    [
        (None, None, None, 1),
        (FLOW_RETRY, None, None, 5),
        (FLOW_RETRY, PARENT_RETRY, None, 3),
        (FLOW_RETRY, PARENT_RETRY, TASK_RETRY, 2),
        (None, PARENT_RETRY, TASK_RETRY, 2),
        (FLOW_RETRY, None, TASK_RETRY, 2),
        (None, PARENT_RETRY, None, 3),
    ],
)
def test_retry_policy_precedence(
    flow_retry: dict[str, Any] | None,
    parent_retry: dict[str, Any] | None,
    task_retry: dict[str, Any] | None,
    attempts: int,
) -> None:
    task = log("flaky", **({"retry": task_retry} if task_retry else {}))
    holder = sequential("holder", [task], **({"retry": parent_retry} if parent_retry else {}))
    properties = {"retry": flow_retry} if flow_retry else {}
    simulation = simulate_all(flow([holder], **properties), fail_attempts={"flaky": 99})

    assert len(simulation.runs("flaky")[0].attempts) == attempts
    assert len(simulation.runs("holder")[0].attempts) == 0


def test_retry_one_iteration_only() -> None:
    flaky = fail(
        "flaky",
        "failed on attempt {{ taskrun.attemptsCount }}",
        condition="{{ taskrun.value == 'b' and taskrun.attemptsCount < 2 }}",
        retry=constant_retry(3),
    )
    source = flow([for_each("each", ["a", "b", "c"], [log("before"), flaky, log("after")],
                            limit=0)])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    for task_id in ("before", "flaky", "after"):
        assert ran(simulation, task_id) == 3
    attempts = {run.value: len(run.attempts) for run in simulation.runs("flaky")}
    assert attempts == {"a": 1, "b": 3, "c": 1}
    assert all(len(run.attempts) == 1 for run in simulation.runs("before"))
    assert sorted(errors_of(simulation, "flaky")) == [
        "failed on attempt 0",
        "failed on attempt 1",
    ]


@pytest.mark.parametrize("failures", (0, 1, 3))
def test_attempts_count_variable(failures: int) -> None:
    task = output("probe", {"count": "{{ taskrun.attemptsCount }}"}, retry=constant_retry(5))
    simulation = simulate_all(flow([task]), fail_attempts={"probe": failures})

    run = simulation.runs("probe")[0]
    assert len(run.attempts) == failures + 1
    assert run.outputs == {"values": {"count": str(failures)}}
