"""How a flowable and the flow end: children's states, allowFailure, allowWarning, outputs."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import allow_failure, fail, flow, log, output, parallel, sequential
from tests.executor.harness import errors_of, ran, simulate_all, state_of


def _child(kind: str, task_id: str) -> dict[str, Any]:
    """A task that ends in the state named by `kind`."""
    if kind == "SUCCESS":
        return log(task_id)
    if kind == "WARNING":
        return fail(task_id, allowFailure=True)
    if kind == "FAILED":
        return fail(task_id)
    assert kind == "SKIPPED"
    return log(task_id, runIf="{{ false }}")


CHILD_TABLE = [
    (["SUCCESS"], State.SUCCESS),
    (["SUCCESS", "SUCCESS"], State.SUCCESS),
    (["SKIPPED"], State.SUCCESS),
    (["SKIPPED", "SUCCESS"], State.SUCCESS),
    (["SUCCESS", "WARNING"], State.WARNING),
    (["WARNING", "SKIPPED"], State.WARNING),
    (["WARNING", "FAILED"], State.FAILED),
    (["FAILED", "SUCCESS"], State.FAILED),
    (["SKIPPED", "FAILED", "WARNING"], State.FAILED),
]


@pytest.mark.parametrize(("kinds", "expected"), CHILD_TABLE)
@pytest.mark.parametrize("container", ("Parallel", "flow"))
def test_end_state_over_children(kinds: list[str], expected: State, container: str) -> None:
    children = [_child(kind, f"c{index}") for index, kind in enumerate(kinds)]
    if container == "Parallel":
        simulation = simulate_all(flow([parallel("par", children)]))
        assert state_of(simulation, "par") is expected
    else:
        # The flow's own list stops at a failure, so put the failing task last.
        ordered = sorted(children, key=lambda task: task["type"].endswith("Fail") and
                         "allowFailure" not in task)
        simulation = simulate_all(flow(ordered))
    assert simulation.execution.state is expected
    for index, kind in enumerate(kinds):
        assert state_of(simulation, f"c{index}") is State(kind)


@pytest.mark.parametrize(
    ("properties", "child", "expected"),
    [
        pytest.param({"allowFailure": True}, "FAILED", State.WARNING, id="failure-allowed"),
        pytest.param({"allowWarning": True}, "WARNING", State.SUCCESS, id="warning-allowed"),
        pytest.param({"allowWarning": True}, "FAILED", State.FAILED, id="warning-only"),
        pytest.param({"allowFailure": True}, "WARNING", State.WARNING, id="failure-only"),
        pytest.param(
            {"allowFailure": True, "allowWarning": True}, "FAILED", State.SUCCESS, id="both"
        ),
        pytest.param({}, "WARNING", State.WARNING, id="none"),
    ],
)
@pytest.mark.parametrize("on", ("flowable", "task"))
def test_allowances(properties: dict[str, Any], child: str, expected: State, on: str) -> None:
    if on == "flowable":
        task = sequential("holder", [_child(child, "inner")], **properties)
    else:
        task = {**_child(child, "holder"), **properties}
    simulation = simulate_all(flow([task, log("after")]))

    assert state_of(simulation, "holder") is expected
    if expected is State.FAILED:
        assert ran(simulation, "after") == 0
    else:
        assert state_of(simulation, "after") is State.SUCCESS
    assert simulation.execution.state is expected


def test_allow_failure_task_keeps_child_state() -> None:
    simulation = simulate_all(flow([allow_failure("allowed", [fail("inner")])]))

    assert state_of(simulation, "inner") is State.FAILED
    assert state_of(simulation, "allowed") is State.WARNING
    assert simulation.execution.state is State.WARNING


def test_flow_outputs_rendered_at_end() -> None:
    source = flow(
        [output("make", {"v": "hello"}), log("later")],
        outputs=[
            {"id": "greeting", "type": "STRING", "value": "{{ outputs.make.values.v }}"},
            {"id": "count", "type": "INT", "value": "{{ 40 + 2 }}"},
        ],
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    assert simulation.execution.outputs == {"greeting": "hello", "count": 42}


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        pytest.param(
            {"id": "missing", "type": "STRING", "value": "{{ outputs.nothing.values.v }}"},
            ["'missing'"],
            id="undefined",
        ),
        pytest.param(
            {"id": "number", "type": "INT", "value": "{{ outputs.make.values.v }}"},
            ["'number'"],
            id="wrong-type",
        ),
    ],
)
def test_flow_output_failure(definition: dict[str, Any], words: list[str]) -> None:
    source = flow(
        [output("make", {"v": "hello"})],
        outputs=[{"id": "fine", "type": "STRING", "value": "ok"}, definition],
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "make") is State.SUCCESS
    messages = errors_of(simulation)
    assert len(messages) == 1
    for word in words:
        assert word in messages[0]


def test_flow_outputs_skipped_on_failure() -> None:
    source = flow(
        [fail("boom")],
        outputs=[{"id": "fine", "type": "STRING", "value": "ok"}],
    )
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert simulation.execution.outputs is None


@pytest.mark.parametrize(
    "task",
    [
        pytest.param(log("broken", "{{ 1 + }}"), id="runnable"),
        pytest.param(fail("broken", condition="{{ 'a' in }}"), id="condition"),
    ],
)
def test_unparsable_expression_fails_task(task: dict[str, Any]) -> None:
    simulation = simulate_all(flow([log("before"), task, log("after")]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "broken") is State.FAILED
    assert ran(simulation, "after") == 0
    messages = errors_of(simulation, "broken")
    assert len(messages) == 1
    assert "'broken'" in messages[0]
