"""Flowables that end as they start (no child to run), wherever they sit in a flow.

Such a flowable ends while its parent is still deciding, so the parent must wait for that end
before it checks whether anything is left to run.
"""

from __future__ import annotations

from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import (
    dag,
    each_parallel,
    each_sequential,
    flow,
    for_each,
    if_task,
    log,
    parallel,
    sequential,
    switch,
)
from tests.executor.harness import simulate_all, state_of

INSTANT = {
    "if-without-else": if_task("instant", False, [log("never")]),
    "empty-foreach": for_each("instant", [], [log("never")]),
    "empty-foreach-unbounded": for_each("instant", [], [log("never")], limit=0),
    "empty-each-sequential": each_sequential("instant", [], [log("never")]),
    "empty-each-parallel": each_parallel("instant", [], [log("never")]),
    "disabled-children": sequential("instant", [log("never", disabled=True)]),
    "disabled-parallel": parallel("instant", [log("never", disabled=True)]),
    "disabled-dag": dag("instant", [(log("never", disabled=True), [])]),
    "skipped-children": sequential("instant", [log("never", runIf=False)]),
    "switch-empty-case": switch("instant", "a", {"a": [log("never", disabled=True)]},
                                [log("other")]),
}


def _placed(where: str, instant: dict[str, Any]) -> tuple[str, list[str]]:
    """Place the flowable and return the flow and the tasks that must run after it."""
    if where == "flow-first":
        return flow([instant, log("next1"), log("next2")]), ["next1", "next2"]
    if where == "flow-last":
        return flow([log("prev"), instant]), ["prev"]
    if where == "sequential":
        return flow([sequential("holder", [instant, log("next1")]), log("next2")]), [
            "next1", "next2"]
    if where == "parallel":
        return flow([parallel("holder", [instant, log("next1")], concurrent=1),
                     log("next2")]), ["next1", "next2"]
    if where == "foreach":
        return flow([for_each("holder", ["a", "b"], [instant, log("next1")], limit=0),
                     log("next2")]), ["next1", "next2"]
    if where == "nested":
        inner = sequential("inner", [instant])
        return flow([sequential("holder", [inner, log("next1")]), log("next2")]), [
            "next1", "next2"]
    if where == "errors":
        failing = {"id": "boom", "type": "io.kestra.plugin.core.execution.Fail"}
        return flow([failing], errors=[instant, log("next1")]), ["next1"]
    if where == "finally":
        return flow([log("prev")], **{"finally": [instant, log("next1")]}), ["prev", "next1"]
    assert where == "after-execution"
    return flow([log("prev")], afterExecution=[instant, log("next1")]), ["prev", "next1"]


PLACES = ("flow-first", "flow-last", "sequential", "parallel", "foreach", "nested", "errors",
          "finally", "after-execution")


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("kind", INSTANT)
def test_instant_flowable_continues(kind: str, where: str) -> None:
    source, following = _placed(where, INSTANT[kind])
    simulation = simulate_all(source)

    expected = State.FAILED if where == "errors" else State.SUCCESS
    assert simulation.execution.state is expected
    assert all(run.state is State.SKIPPED for run in simulation.runs("never"))
    assert simulation.runs("instant")
    assert all(run.state is State.SUCCESS for run in simulation.runs("instant"))
    for task_id in following:
        assert simulation.runs(task_id), f"{task_id} never ran"
        assert all(run.state is State.SUCCESS for run in simulation.runs(task_id))


def _renamed(task: Any, suffix: str) -> Any:
    """Copy a task with every id (its children's included) suffixed, so ids stay unique."""
    if isinstance(task, dict):
        return {
            key: f"{value}{suffix}" if key == "id" else _renamed(value, suffix)
            for key, value in task.items()
        }
    if isinstance(task, list):
        return [_renamed(item, suffix) for item in task]
    return task


def test_instant_flowables_in_a_row() -> None:
    tasks = [_renamed(task, str(index)) for index, task in enumerate(INSTANT.values())]
    simulation = simulate_all(flow([*tasks, log("last")]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "last") is State.SUCCESS
