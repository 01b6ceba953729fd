"""Loop values: lists, JSON text and expressions; duplicates, nulls, non-text items."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import each_sequential, flow, for_each, output
from tests.executor.harness import errors_of, ran, simulate_all, state_of

LOOPS = ("ForEach", "EachSequential")


def _loop(kind: str, values: Any) -> dict[str, Any]:
    child = [output("child", {"value": "{{ taskrun.value }}", "index": "{{ taskrun.iteration }}"})]
    if kind == "ForEach":
        return for_each("each", values, child, limit=0)
    return each_sequential("each", values, child)


VALUE_TABLE = [
    pytest.param(["a", "b", "c"], None, ["a", "b", "c"], id="list"),
    pytest.param('["a", "b", "c"]', None, ["a", "b", "c"], id="json-text"),
    pytest.param("{{ inputs.items }}", {"items": ["x", "y"]}, ["x", "y"], id="expression-list"),
    pytest.param("{{ inputs.items }}", {"items": '["x","y"]'}, ["x", "y"], id="expression-json"),
    pytest.param("{{ range(1, 3) }}", None, ["1", "2", "3"], id="range"),
    pytest.param(["a", "b", "a", "c", "b"], None, ["a", "b", "c"], id="duplicates"),
    pytest.param([1, 2, 2, 3], None, ["1", "2", "3"], id="numbers"),
    pytest.param([True, False], None, ["true", "false"], id="booleans"),
    pytest.param([1.5, 2], None, ["1.5", "2"], id="floats"),
    pytest.param(
        [{"k": 1}, {"k": 2}, {"k": 1}],
        None,
        ['{"k":1}', '{"k":2}'],
        id="maps",
    ),
    pytest.param([[1, 2], ["a"]], None, ["[1,2]", '["a"]'], id="lists"),
    pytest.param(["1", 1], None, ["1"], id="text-and-number-alike"),
    pytest.param(["é", "日本"], None, ["é", "日本"], id="unicode"),
    pytest.param("{{ inputs.items }}", {"items": []}, [], id="expression-empty"),
    pytest.param("[]", None, [], id="json-empty"),
]


@pytest.mark.parametrize("kind", LOOPS)
@pytest.mark.parametrize(("values", "inputs", "expected"), VALUE_TABLE)
def test_loop_values_resolve(
    kind: str, values: Any, inputs: dict[str, Any] | None, expected: list[str]
) -> None:
    simulation = simulate_all(flow([_loop(kind, values)]), inputs)

    assert simulation.execution.state is State.SUCCESS
    runs = sorted(simulation.runs("child"), key=lambda run: run.iteration)
    assert [run.value for run in runs] == expected
    assert [run.iteration for run in runs] == list(range(len(expected)))
    for index, run in enumerate(runs):
        assert run.outputs == {"values": {"value": expected[index], "index": str(index)}}
    # Outputs are keyed by the same text as `taskrun.value`.
    execution = simulation.execution
    assert sorted(execution.value_path(run)[0] for run in runs) == sorted(expected)


@pytest.mark.parametrize("kind", LOOPS)
@pytest.mark.parametrize(
    "values",
    [
        # A written-out list with a null is rejected when the flow is validated; an expression
        # or JSON text reaches the check when the loop starts.
        pytest.param("{{ ['a', null, 'b'] }}", id="expression"),
        pytest.param('["a", null]', id="json-text"),
        pytest.param("{{ [null] }}", id="only-null"),
    ],
)
def test_loop_null_item_fails(kind: str, values: Any) -> None:
    simulation = simulate_all(flow([_loop(kind, values)]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "each") is State.FAILED
    assert ran(simulation, "child") == 0
    messages = errors_of(simulation, "each")
    assert len(messages) == 1
    assert "null" in messages[0]
    assert "'each'" in messages[0]


@pytest.mark.parametrize("kind", LOOPS)
@pytest.mark.parametrize(
    ("values", "inputs"),
    [
        pytest.param("not json", None, id="text"),
        pytest.param('{"a": 1}', None, id="json-object"),
        pytest.param("{{ inputs.n }}", {"n": 3}, id="number"),
    ],
)
def test_loop_values_not_a_list(kind: str, values: Any, inputs: dict[str, Any] | None) -> None:
    simulation = simulate_all(flow([_loop(kind, values)]), inputs)

    assert simulation.execution.state is State.FAILED
    assert ran(simulation, "child") == 0
    messages = errors_of(simulation, "each")
    assert len(messages) == 1
    assert "'each'" in messages[0]


def test_loop_output_keys_json_text() -> None:
    source = flow(
        [
            for_each("each", [1, {"k": "v"}], [output("child", {"v": "{{ taskrun.value }}"})]),
            output(
                "read",
                {
                    "one": "{{ outputs.child['1'].values.v }}",
                    "map": "{{ outputs.child['{\"k\":\"v\"}'].values.v }}",
                },
            ),
        ]
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    read = simulation.runs("read")[0]
    assert read.outputs == {"values": {"one": "1", "map": '{"k":"v"}'}}
