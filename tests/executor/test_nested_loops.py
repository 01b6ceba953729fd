"""Nested loops: `taskrun.value`, `parent` and `parents`, and outputs keyed by value paths."""

from __future__ import annotations

import pytest

from lanner.states import State
from tests.executor.builders import each_sequential, flow, for_each, if_task, output, sequential
from tests.executor.harness import simulate_all

OUTER = ["a", "b"]
INNER = ["x", "y", "z"]


def _nested(outer_limit: int, inner_limit: int) -> str:
    leaf = output(
        "leaf",
        {
            "own": "{{ taskrun.value }}",
            "parent": "{{ parent.taskrun.value }}",
            "first_parent": "{{ parents[0].taskrun.value }}",
            "depth": "{{ parents | length }}",
        },
    )
    deep = output(
        "deep",
        {
            "own": "{{ taskrun.value ?? 'none' }}",
            "parent": "{{ parent.taskrun.value }}",
            "grandparent": "{{ parents[1].taskrun.value ?? 'none' }}",
        },
    )
    return flow(
        [
            for_each(
                "outer",
                OUTER,
                [
                    for_each("inner", INNER, [leaf], limit=inner_limit),
                    sequential("group", [deep]),
                ],
                limit=outer_limit,
            ),
            output(
                "read",
                {
                    "leaf_b_y": "{{ outputs.leaf['b']['y'].values.own }}",
                    "leaf_a_z_parent": "{{ outputs.leaf['a']['z'].values.parent }}",
                    "deep_b": "{{ outputs.deep['b'].values.parent }}",
                },
            ),
        ]
    )


@pytest.mark.parametrize("outer_limit", (0, 1, 2))
@pytest.mark.parametrize("inner_limit", (0, 1, 2))
def test_nested_foreach_values(outer_limit: int, inner_limit: int) -> None:
    simulation = simulate_all(_nested(outer_limit, inner_limit))
    execution = simulation.execution

    assert execution.state is State.SUCCESS
    leaves = simulation.runs("leaf")
    assert len(leaves) == len(OUTER) * len(INNER)
    for run in leaves:
        outer_value, inner_value = execution.value_path(run)
        assert run.value == inner_value
        assert run.outputs == {
            "values": {
                "own": inner_value,
                "parent": outer_value,
                "first_parent": outer_value,
                "depth": "2",
            }
        }
    for run in simulation.runs("deep"):
        group = execution.parent_of(run)
        assert group is not None
        assert run.value is None
        assert run.outputs == {
            "values": {"own": "none", "parent": group.value, "grandparent": "none"}
        }
    read = simulation.runs("read")[0]
    assert read.outputs == {"values": {"leaf_b_y": "y", "leaf_a_z_parent": "a", "deep_b": "b"}}


def test_value_only_on_direct_children() -> None:
    source = flow(
        [
            each_sequential(
                "loop",
                ["v"],
                [
                    if_task(
                        "branch",
                        "{{ taskrun.value == 'v' }}",
                        [output("inside", {"parent": "{{ parent.taskrun.value }}"})],
                    )
                ],
            )
        ]
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    branch = simulation.runs("branch")[0]
    inside = simulation.runs("inside")[0]
    assert branch.value == "v"
    assert inside.value is None
    assert inside.outputs == {"values": {"parent": "v"}}
    assert simulation.execution.value_path(inside) == ["v"]


def test_outputs_keyed_outermost_first() -> None:
    source = flow(
        [
            for_each(
                "outer",
                ["1", "2"],
                [for_each("inner", ["3", "4"], [output("leaf", {"v": "{{ taskrun.value }}"})])],
            ),
            output(
                "read",
                {"keys": "{{ outputs.leaf | keys }}", "inner": "{{ outputs.leaf['2'] | keys }}"},
            ),
        ]
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    assert simulation.runs("read")[0].outputs == {
        "values": {"keys": '["1","2"]', "inner": '["3","4"]'}
    }
