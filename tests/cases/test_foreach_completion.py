"""A ForEach ends once every group has ended, whatever its limit and the order of results."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from lanner.states import State
from tests.cases.support import (
    TIMEOUT,
    check_execution,
    children,
    first_flow,
    groups,
    groups_in_flight,
    messages,
    run_checked,
    wait_for,
)
from tests.support import InstanceHarness

UNBOUNDED_THREE_LOGS = """
id: foreach_unbounded_three_logs
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    concurrencyLimit: 0
    tasks:
      - id: first
        type: io.kestra.plugin.core.log.Log
        message: "first {{ taskrun.value }}"
      - id: second
        type: io.kestra.plugin.core.log.Log
        message: "second {{ taskrun.value }}"
      - id: third
        type: io.kestra.plugin.core.log.Log
        message: "third {{ taskrun.value }}"
"""

STEPS = ("first", "second", "third")


def loop_flow(values: list[str], limit: int, steps: int, flow_id: str = "foreach_family") -> str:
    tasks = "".join(
        f"""
      - id: {STEPS[index]}
        type: io.kestra.plugin.core.log.Log
        message: "{STEPS[index]} {{{{ taskrun.value }}}}\""""
        for index in range(steps)
    )
    return f"""
id: {flow_id}
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: {values!r}
    concurrencyLimit: {limit}
    tasks:{tasks}
"""


async def test_unbounded_foreach_ends(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, UNBOUNDED_THREE_LOGS)

    assert execution.state is State.SUCCESS
    each = execution.runs_of_task("each")
    assert [run.state for run in each] == [State.SUCCESS]
    runs = children(execution, "each")
    assert len(runs) == 9
    assert all(run.state is State.SUCCESS for run in runs)
    for value, group in groups(execution, "each").items():
        assert [run.task_id for run in group] == list(STEPS), value
        for before, after in itertools.pairwise(group):
            assert before.end_date is not None
            assert after.start_date >= before.end_date

    logs = await instance.logs(execution)
    assert len(logs) == 9
    for entry in logs:
        run = execution.task_runs[entry.task_run_id or ""]
        assert entry.message == f"{run.task_id} {run.value}"


def _family() -> list[tuple[int, int, int]]:
    cases = set()
    for count, steps_choices in ((0, (1,)), (1, (1, 3)), (5, (1, 2, 3))):
        for limit in (0, 1, 2, max(count - 1, 0), count, count + 5):
            for steps in steps_choices:
                cases.add((count, limit, steps))
    return sorted(cases)


@pytest.mark.parametrize(("count", "limit", "steps"), _family())
async def test_foreach_family_ends(
    instance: InstanceHarness, count: int, limit: int, steps: int
) -> None:
    values = [f"v{index}" for index in range(count)]
    execution = await run_checked(instance, loop_flow(values, limit, steps))

    assert execution.state is State.SUCCESS
    assert [run.state for run in execution.runs_of_task("each")] == [State.SUCCESS]
    runs = children(execution, "each")
    assert len(runs) == count * steps
    assert all(run.state is State.SUCCESS for run in runs)
    assert sorted(groups(execution, "each")) == sorted(values)
    if limit:
        assert groups_in_flight(execution, "each") <= limit
    logs = await instance.logs(execution)
    assert sorted(messages(logs)) == sorted(f"{STEPS[s]} {v}" for v in values for s in range(steps))


REVERSE_ORDER = """
id: foreach_reverse_ends
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["PT0.9S", "PT0.6S", "PT0.3S", "PT0S"]
    concurrencyLimit: 0
    tasks:
      - id: nap
        type: io.kestra.plugin.core.flow.Sleep
        duration: "{{ taskrun.value }}"
      - id: done
        type: io.kestra.plugin.core.log.Log
        message: "done {{ taskrun.value }}"
"""


async def test_foreach_reverse_completion(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, REVERSE_ORDER)

    assert execution.state is State.SUCCESS
    naps = sorted(execution.runs_of_task("nap"), key=lambda run: run.seq)
    # The values were started in order and their sleeps, as the worker saw them, ended in
    # reverse order.
    ends = [run.attempts[-1].end_date for run in naps]
    assert all(end is not None for end in ends)
    assert ends == sorted(ends, reverse=True)  # type: ignore[type-var]
    each = execution.runs_of_task("each")[0]
    assert each.end_date is not None
    for run in execution.task_runs.values():
        assert run.end_date is not None
        assert each.end_date >= run.end_date


@pytest.mark.parametrize("repetition", range(3))
async def test_foreach_results_together(instance: InstanceHarness, repetition: int) -> None:
    values = [f"v{index}" for index in range(50)]
    execution = await run_checked(instance, loop_flow(values, 0, 3, "foreach_fifty"))

    assert execution.state is State.SUCCESS
    assert len(children(execution, "each")) == 150


@pytest.mark.slow
@pytest.mark.parametrize("repetition", range(50))
async def test_foreach_results_together_many(instance: InstanceHarness, repetition: int) -> None:
    values = [f"v{index}" for index in range(50)]
    execution = await run_checked(instance, loop_flow(values, 0, 3, "foreach_fifty"))

    assert execution.state is State.SUCCESS
    assert len(children(execution, "each")) == 150


async def test_foreach_survives_restarts(database_url: str, tmp_path: Path) -> None:
    """Stop the components between each step; a fresh executor finishes the execution."""
    source = loop_flow(["a", "b", "c"], 0, 3, "foreach_restarts")
    flow = first_flow(source)

    first = InstanceHarness(database_url, tmp_path)
    await first.start(executor=True, worker=False)
    try:
        await first.deploy(source)
        created = await first.instance.executions.create(flow.namespace, flow.id, {})

        async def jobs_created() -> bool:
            execution = await first.instance.executions.get(created.id)
            return len(execution.task_runs) >= 4

        await wait_for(jobs_created, "the first task runs")
    finally:
        await first.stop()

    second = InstanceHarness(database_url, tmp_path)
    await second.start(executor=False, worker=True)
    try:
        async def first_tasks_logged() -> bool:
            execution = await second.instance.executions.get(created.id)
            return len(await second.logs(execution)) >= 3

        await wait_for(first_tasks_logged, "the first tasks' logs")
        stalled = await second.instance.executions.get(created.id)
        assert stalled.state is State.RUNNING
    finally:
        await second.stop()

    third = InstanceHarness(database_url, tmp_path)
    await third.start()
    try:
        execution = await third.instance.executions.wait_until_finished(created.id, TIMEOUT)
        check_execution(execution, flow)
        assert execution.state is State.SUCCESS
        assert len(children(execution, "each")) == 9
        assert len(await third.logs(execution)) == 9
    finally:
        await third.stop()
