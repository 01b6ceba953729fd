"""Inside a ForEach group the tasks run one after another, even under a high limit."""

from __future__ import annotations

import json

import pytest

from lanner.executions.model import TaskRun
from lanner.states import State
from tests.cases.support import groups, groups_in_flight, run_checked
from tests.support import InstanceHarness

GROUP_ORDER = """
id: foreach_group_order
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["m1", "m2"]
    concurrencyLimit: 5
    tasks:
      - id: step_a
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT2S
      - id: step_b
        type: io.kestra.plugin.core.output.OutputValues
        values:
          seen: "{{ taskrun.value }}"
"""


def _check_groups(found: dict[str, list[TaskRun]]) -> None:
    for value, runs in found.items():
        assert [run.task_id for run in runs] == ["step_a", "step_b"], value
        step_a, step_b = runs
        assert step_a.end_date is not None
        assert step_b.start_date >= step_a.end_date, value
        assert step_b.attempts[0].start_date is not None
        assert step_b.attempts[0].start_date >= step_a.end_date, value
        assert step_b.outputs == {"values": {"seen": value}}


async def test_group_tasks_in_order(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, GROUP_ORDER)

    assert execution.state is State.SUCCESS
    found = groups(execution, "each")
    assert sorted(found) == ["m1", "m2"]
    assert all(run.state is State.SUCCESS for runs in found.values() for run in runs)
    assert sum(len(runs) for runs in found.values()) == 4
    _check_groups(found)
    # Both groups ran side by side: their sleeps overlap in the stored dates.
    assert groups_in_flight(execution, "each") == 2
    sleeps = [runs[0] for runs in found.values()]
    assert sleeps[0].end_date is not None and sleeps[1].end_date is not None
    assert max(run.start_date for run in sleeps) < min(run.end_date for run in sleeps)


def group_flow(values: str, limit: int | str, first: str = "PT0.2S") -> str:
    return f"""
id: foreach_group_family
namespace: qa.research
inputs:
  - id: items
    type: JSON
    defaults: '[]'
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: {values}
    concurrencyLimit: {limit}
    tasks:
      - id: step_a
        type: io.kestra.plugin.core.flow.Sleep
        duration: {first}
      - id: step_b
        type: io.kestra.plugin.core.output.OutputValues
        values:
          seen: "{{{{ taskrun.value }}}}"
"""


VALUES = '["m1", "m2", "m3", "m4"]'


@pytest.mark.parametrize("limit", (1, 2, 3, 4, 5, 9))
async def test_group_limit_family(instance: InstanceHarness, limit: int) -> None:
    execution = await run_checked(instance, group_flow(VALUES, limit))

    assert execution.state is State.SUCCESS
    found = groups(execution, "each")
    assert sorted(found) == ["m1", "m2", "m3", "m4"]
    _check_groups(found)
    assert groups_in_flight(execution, "each") <= min(limit, 4)
    assert groups_in_flight(execution, "each") >= 1


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([], [], id="empty"),
        pytest.param(["only"], ["only"], id="one"),
        pytest.param(["a", "b", "a"], ["a", "b"], id="duplicates"),
    ],
)
@pytest.mark.parametrize("limit", (0, 1, 5))
async def test_group_values_from_expression(
    instance: InstanceHarness, items: list[str], expected: list[str], limit: int
) -> None:
    source = group_flow('"{{ inputs.items }}"', limit)
    execution = await run_checked(instance, source, {"items": json.dumps(items)})

    assert execution.state is State.SUCCESS
    found = groups(execution, "each")
    assert sorted(found) == sorted(expected)
    _check_groups(found)
    assert execution.runs_of_task("each")[0].state is State.SUCCESS


@pytest.mark.parametrize("limit", (0, 2))
async def test_group_slow_first_task(instance: InstanceHarness, limit: int) -> None:
    execution = await run_checked(instance, group_flow(VALUES, limit, first="PT1S"))

    assert execution.state is State.SUCCESS
    _check_groups(groups(execution, "each"))
