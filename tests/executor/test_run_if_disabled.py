"""`runIf` and `disabled`: tasks that do not run, and what happens around them."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import (
    fail,
    flow,
    for_each,
    if_task,
    log,
    output,
    parallel,
    sequential,
)
from tests.executor.harness import errors_of, ran, simulate_all, state_of

# Only these render to false: false, 0, -0 and the empty text.
FALSE = [False, "false", "0", "-0", "", "{{ false }}", "{{ 0 }}", "{{ -0 }}", "{{ '' }}",
         "{{ 1 > 2 }}", "{{ outputs.first.values.off }}"]
TRUE = [True, "true", "1", "yes", "False", "no", "{{ true }}", "{{ 'x' }}", "{{ [0] }}",
        "{{ outputs.first.values.on }}"]


def _runs_if(condition: Any) -> str:
    return flow(
        [
            output("first", {"on": "yes", "off": "false"}),
            log("maybe", runIf=condition),
            log("after"),
        ]
    )


@pytest.mark.parametrize("condition", FALSE)
def test_run_if_false_skips(condition: Any) -> None:
    simulation = simulate_all(_runs_if(condition))

    assert simulation.execution.state is State.SUCCESS
    maybe = simulation.runs("maybe")[0]
    assert maybe.state is State.SKIPPED
    assert maybe.attempts == []
    assert [entry.state for entry in maybe.histories] == [State.CREATED, State.SKIPPED]
    assert state_of(simulation, "after") is State.SUCCESS


@pytest.mark.parametrize("condition", TRUE)
def test_run_if_true_runs(condition: Any) -> None:
    simulation = simulate_all(_runs_if(condition))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "maybe") is State.SUCCESS
    assert state_of(simulation, "after") is State.SUCCESS


@pytest.mark.parametrize("condition", ["{{ 0.0 }}", " false ", "{{ ' 0 ' }}"])
def test_run_if_near_false_runs(condition: str) -> None:
    simulation = simulate_all(_runs_if(condition))

    assert state_of(simulation, "maybe") is State.SUCCESS


@pytest.mark.parametrize(
    "task",
    [
        pytest.param(sequential("maybe", [log("inner")], runIf=False), id="sequential"),
        pytest.param(parallel("maybe", [log("inner")], runIf=False), id="parallel"),
        pytest.param(for_each("maybe", ["a"], [log("inner")], runIf=False), id="foreach"),
        pytest.param(if_task("maybe", True, [log("inner")], runIf=False), id="if"),
    ],
)
def test_run_if_false_on_flowable(task: dict[str, Any]) -> None:
    simulation = simulate_all(flow([task, log("after")]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "maybe") is State.SKIPPED
    assert ran(simulation, "inner") == 0
    assert state_of(simulation, "after") is State.SUCCESS


@pytest.mark.parametrize("position", ("first", "middle", "last", "all"))
@pytest.mark.parametrize("container", ("sequential", "parallel", "foreach"))
def test_run_if_inside_flowable(position: str, container: str) -> None:
    skipped = {"first": {0}, "middle": {1}, "last": {2}, "all": {0, 1, 2}}[position]
    tasks = [log(f"t{i}", **({"runIf": False} if i in skipped else {})) for i in range(3)]
    holder = {
        "sequential": sequential("holder", tasks),
        "parallel": parallel("holder", tasks, concurrent=1),
        "foreach": for_each("holder", ["a", "b"], tasks, limit=0),
    }[container]
    simulation = simulate_all(flow([holder, log("after")]))

    assert simulation.execution.state is State.SUCCESS
    assert all(run.state is State.SUCCESS for run in simulation.runs("holder"))
    copies = 2 if container == "foreach" else 1
    for index in range(3):
        runs = simulation.runs(f"t{index}")
        assert len(runs) == copies
        expected = State.SKIPPED if index in skipped else State.SUCCESS
        assert all(run.state is expected for run in runs)
    assert state_of(simulation, "after") is State.SUCCESS


def test_run_if_reads_loop_value() -> None:
    task = log("maybe", runIf="{{ taskrun.value != 'b' }}")
    simulation = simulate_all(flow([for_each("each", ["a", "b", "c"], [task])]))

    skipped = [run.value for run in simulation.runs("maybe") if run.state is State.SKIPPED]
    assert skipped == ["b"]


def test_run_if_error_fails_task() -> None:
    source = flow([log("maybe", runIf="{{ outputs.nothing.value }}"), log("after")])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "maybe") is State.FAILED
    assert ran(simulation, "after") == 0
    messages = errors_of(simulation, "maybe")
    assert len(messages) == 1
    assert "runIf" in messages[0]


@pytest.mark.parametrize(
    ("tasks", "ran_ids", "expected"),
    [
        pytest.param([log("a", disabled=True), log("b")], ["b"], State.SUCCESS, id="first"),
        pytest.param([log("a"), fail("b", disabled=True), log("c")], ["a", "c"],
                     State.SUCCESS, id="disabled-failure"),
        pytest.param([sequential("a", [fail("inner")], disabled=True), log("b")], ["b"],
                     State.SUCCESS, id="flowable"),
        pytest.param([for_each("a", ["x"], [log("inner", disabled=True)]), log("b")],
                     ["a", "b"], State.SUCCESS, id="every-loop-child"),
        pytest.param([sequential("a", [log("inner", disabled=True)]), log("b")],
                     ["a", "b"], State.SUCCESS, id="every-sequential-child"),
        pytest.param([parallel("a", [log("inner", disabled=True), log("c")])],
                     ["a", "c"], State.SUCCESS, id="parallel-child"),
    ],
)
def test_disabled_tasks_skipped(tasks: list[dict[str, Any]], ran_ids: list[str],
                                expected: State) -> None:
    simulation = simulate_all(flow(tasks))

    assert simulation.execution.state is expected
    created = {run.task_id for run in simulation.execution.task_runs.values()}
    assert created == set(ran_ids)


def test_disabled_error_handler() -> None:
    source = flow([fail("boom")], errors=[log("off", disabled=True), log("on")])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert ran(simulation, "off") == 0
    assert state_of(simulation, "on") is State.SUCCESS
