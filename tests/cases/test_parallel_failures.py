"""Failures in parallel branches: the execution ends only once every sibling has ended.

No state goes back (a terminal state is never followed by another), no task run is left
behind, and every failure keeps its own message, however many results arrive together.
"""

from __future__ import annotations

import random

import pytest

from lanner.states import State
from tests.cases.support import history, messages, run_checked
from tests.support import InstanceHarness

FAIL_AND_SLOW = """
id: parallel_each_fail_and_slow
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["slow", "bad"]
    concurrencyLimit: 0
    tasks:
      - id: branch
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.value == 'bad' }}"
        then:
          - id: boom
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: "iteration {{ parent.taskrun.value }} failed"
        else:
          - id: nap
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT3S
"""


async def test_failure_waits_for_siblings(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, FAIL_AND_SLOW)

    assert execution.state is State.FAILED
    [nap] = execution.runs_of_task("nap")
    assert nap.state is State.SUCCESS
    assert nap.end_date is not None and execution.end_date is not None
    assert execution.end_date >= nap.end_date
    [boom] = execution.runs_of_task("boom")
    assert boom.state is State.FAILED
    assert history(execution) == [State.CREATED, State.RUNNING, State.FAILED]
    errors = [entry for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert [entry.message for entry in errors if entry.task_id == "boom"] == [
        "iteration bad failed"
    ]


def iterations_flow(count: int, failing: set[int], seed: int) -> str:
    """Build a ForEach over `count` values with random short sleeps, where `failing` fail."""
    rng = random.Random(seed)
    durations = {f"v{index}": f"PT{rng.choice([0, 0, 0.05, 0.1, 0.2])}S" for index in
                 range(count)}
    bad = [f"v{index}" for index in sorted(failing)]
    return f"""
id: parallel_iterations_family
namespace: qa.research
variables:
  durations: {durations!r}
  bad: {bad!r}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: {[f"v{index}" for index in range(count)]!r}
    concurrencyLimit: 0
    tasks:
      - id: branch
        type: io.kestra.plugin.core.flow.If
        condition: "{{{{ vars.bad contains taskrun.value }}}}"
        then:
          - id: boom
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: "iteration {{{{ parent.taskrun.value }}}} failed"
        else:
          - id: nap
            type: io.kestra.plugin.core.flow.Sleep
            duration: "{{{{ vars.durations[parent.taskrun.value] }}}}"
"""


def _failing(count: int, position: str) -> set[int]:
    return {
        "first": {0},
        "middle": {count // 2},
        "last": {count - 1},
        "first-and-last": {0, count - 1},
        "all": set(range(count)),
    }[position]


POSITIONS = ("first", "middle", "last", "first-and-last", "all")


async def _check_iterations(
    instance: InstanceHarness, count: int, position: str, seed: int
) -> None:
    failing = _failing(count, position)
    execution = await run_checked(instance, iterations_flow(count, failing, seed))

    assert execution.state is State.FAILED
    assert history(execution) == [State.CREATED, State.RUNNING, State.FAILED]
    branches = {run.value: run for run in execution.runs_of_task("branch")}
    assert sorted(branches) == sorted(f"v{index}" for index in range(count))
    for index in range(count):
        expected = State.FAILED if index in failing else State.SUCCESS
        assert branches[f"v{index}"].state is expected, f"v{index}"
    assert len(execution.runs_of_task("boom")) == len(failing)
    naps = execution.runs_of_task("nap")
    assert len(naps) == count - len(failing)
    assert all(run.state is State.SUCCESS for run in naps)
    assert execution.end_date is not None
    assert all(run.end_date is not None and run.end_date <= execution.end_date for run in naps)
    logs = await instance.logs(execution)
    assert sorted(messages([e for e in logs if e.level == "ERROR"], "boom")) == sorted(
        f"iteration v{index} failed" for index in failing
    )


@pytest.mark.parametrize("count", (2, 5, 20, 50))
@pytest.mark.parametrize("position", POSITIONS)
async def test_iteration_failures(instance: InstanceHarness, count: int, position: str) -> None:
    await _check_iterations(instance, count, position, seed=count)


@pytest.mark.parametrize("repetition", range(3))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
async def test_iteration_failures_repeated(
    instance: InstanceHarness, position: str, repetition: int
) -> None:
    await _check_iterations(instance, 50, position, seed=repetition)


@pytest.mark.slow
@pytest.mark.parametrize("repetition", range(50))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
async def test_iteration_failures_many(
    instance: InstanceHarness, position: str, repetition: int
) -> None:
    await _check_iterations(instance, 50, position, seed=1000 + repetition)


def branches_flow(count: int, failing: int, seed: int, concurrent: int) -> str:
    """Build a Parallel of Sequential branches with short random sleeps, one of them failing."""
    rng = random.Random(seed)
    branches = []
    for index in range(count):
        last = (
            """
              - id: boom_{index}
                type: io.kestra.plugin.core.execution.Fail
                errorMessage: "branch {index} failed\""""
            if index == failing
            else """
              - id: done_{index}
                type: io.kestra.plugin.core.log.Log
                message: "branch {index} done\""""
        ).format(index=index)
        branches.append(
            f"""
          - id: branch_{index}
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: nap_{index}
                type: io.kestra.plugin.core.flow.Sleep
                duration: PT{rng.choice([0, 0.05, 0.1, 0.3])}S{last}"""
        )
    return f"""
id: parallel_branches_family
namespace: qa.research
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: {concurrent}
    tasks:{"".join(branches)}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: never
"""


async def _check_branches(
    instance: InstanceHarness, count: int, position: str, concurrent: int, seed: int
) -> None:
    failing = {"first": 0, "middle": count // 2, "last": count - 1}[position]
    execution = await run_checked(instance, branches_flow(count, failing, seed, concurrent))

    assert execution.state is State.FAILED
    [fan] = execution.runs_of_task("fan")
    assert fan.state is State.FAILED
    assert execution.runs_of_task("after") == []
    [failed] = execution.runs_of_task(f"branch_{failing}")
    assert failed.state is State.FAILED
    for index in range(count):
        for run in execution.runs_of_task(f"branch_{index}"):
            # Siblings that started show how they really ended.
            expected = State.FAILED if index == failing else State.SUCCESS
            assert run.state is expected, f"branch_{index}"
    if concurrent == 0:
        assert all(execution.runs_of_task(f"branch_{index}") for index in range(count))


@pytest.mark.parametrize("count", (2, 5, 12))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
@pytest.mark.parametrize("concurrent", (0, 2))
async def test_branch_failures(
    instance: InstanceHarness, count: int, position: str, concurrent: int
) -> None:
    await _check_branches(instance, count, position, concurrent, seed=count)


@pytest.mark.slow
@pytest.mark.parametrize("repetition", range(50))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
async def test_branch_failures_many(
    instance: InstanceHarness, position: str, repetition: int
) -> None:
    await _check_branches(instance, 12, position, 0, seed=repetition)


