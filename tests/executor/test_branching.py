"""If, Switch, AllowFailure, Dag and WaitFor."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import (
    allow_failure,
    dag,
    fail,
    flow,
    if_task,
    log,
    output,
    switch,
    wait_for,
)
from tests.executor.harness import errors_of, ran, simulate_all, state_of

TRUE_CONDITIONS = [True, "true", "{{ true }}", "{{ 1 }}", "{{ 'yes' }}", "{{ 1 == 1 }}", "x",
                   "{{ [] }}", "False"]
FALSE_CONDITIONS = [False, "false", "{{ false }}", "{{ 0 }}", "{{ -0 }}", "{{ '' }}", "0", "-0",
                    "{{ 1 == 2 }}"]


@pytest.mark.parametrize("condition", TRUE_CONDITIONS)
@pytest.mark.parametrize("with_else", (True, False))
def test_if_true_runs_then(condition: Any, with_else: bool) -> None:
    otherwise = [log("no")] if with_else else None
    simulation = simulate_all(flow([if_task("branch", condition, [log("yes")], otherwise)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "yes") is State.SUCCESS
    assert ran(simulation, "no") == 0


@pytest.mark.parametrize("condition", FALSE_CONDITIONS)
def test_if_false_runs_else(condition: Any) -> None:
    simulation = simulate_all(flow([if_task("branch", condition, [log("yes")], [log("no")])]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "no") is State.SUCCESS
    assert ran(simulation, "yes") == 0


@pytest.mark.parametrize("condition", FALSE_CONDITIONS)
def test_if_false_without_else(condition: Any) -> None:
    source = flow([if_task("branch", condition, [log("yes")]), log("after")])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "branch") is State.SUCCESS
    assert ran(simulation, "yes") == 0
    assert state_of(simulation, "after") is State.SUCCESS


@pytest.mark.parametrize("branch", ("then", "else"))
def test_if_branch_failure(branch: str) -> None:
    condition = branch == "then"
    source = flow([if_task("branch", condition, [fail("yes"), log("yes2")],
                           [fail("no"), log("no2")]), log("after")])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "branch") is State.FAILED
    assert ran(simulation, "yes2") == 0
    assert ran(simulation, "no2") == 0
    assert ran(simulation, "after") == 0


def test_if_undefined_condition_fails() -> None:
    simulation = simulate_all(flow([if_task("branch", "{{ outputs.nothing.x }}", [log("yes")])]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "branch") is State.FAILED
    assert errors_of(simulation, "branch")


SWITCH_CASES = {"a": [log("case_a")], "1": [log("case_1"), log("case_1b")]}


@pytest.mark.parametrize(
    ("value", "inputs", "expected"),
    [
        pytest.param("a", None, ["case_a"], id="text"),
        pytest.param("{{ inputs.v }}", {"v": "a"}, ["case_a"], id="expression"),
        pytest.param("{{ inputs.v }}", {"v": 1}, ["case_1", "case_1b"], id="number"),
        pytest.param("1", None, ["case_1", "case_1b"], id="number-text"),
    ],
)
def test_switch_matches_case(
    value: Any, inputs: dict[str, Any] | None, expected: list[str]
) -> None:
    source = flow([switch("choose", value, SWITCH_CASES, [log("fallback")])])
    simulation = simulate_all(source, inputs)

    assert simulation.execution.state is State.SUCCESS
    for task_id in ("case_a", "case_1", "case_1b", "fallback"):
        assert ran(simulation, task_id) == (1 if task_id in expected else 0)
    choose = simulation.runs("choose")[0]
    assert choose.outputs == {"value": str(inputs["v"] if inputs else value), "defaults": False}


@pytest.mark.parametrize("value", ("b", "A", "", "{{ 2 }}"))
def test_switch_defaults(value: str) -> None:
    source = flow([switch("choose", value, SWITCH_CASES, [log("fallback")])])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "fallback") is State.SUCCESS
    assert ran(simulation, "case_a") == 0
    assert simulation.runs("choose")[0].outputs["defaults"] is True


@pytest.mark.parametrize("value", ("b", ""))
def test_switch_no_match_fails(value: str) -> None:
    source = flow([switch("choose", value, SWITCH_CASES), log("after")])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "choose") is State.FAILED
    assert ran(simulation, "after") == 0
    messages = errors_of(simulation, "choose")
    assert len(messages) == 1
    assert repr(value) in messages[0]


def test_switch_case_failure() -> None:
    source = flow([switch("choose", "a", {"a": [fail("boom"), log("next")]}, [log("fallback")])])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "choose") is State.FAILED
    assert ran(simulation, "next") == 0


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        pytest.param([log("a"), log("b")], State.SUCCESS, id="success"),
        pytest.param([fail("a"), log("b")], State.WARNING, id="failure"),
        pytest.param([log("a"), fail("b")], State.WARNING, id="last-fails"),
    ],
)
def test_allow_failure_task(children: list[dict[str, Any]], expected: State) -> None:
    simulation = simulate_all(flow([allow_failure("allowed", children), log("after")]))

    assert state_of(simulation, "allowed") is expected
    assert state_of(simulation, "after") is State.SUCCESS
    assert simulation.execution.state is expected


def test_allow_failure_stops_its_children() -> None:
    simulation = simulate_all(flow([allow_failure("allowed", [fail("a"), log("b")])]))

    assert state_of(simulation, "a") is State.FAILED
    assert ran(simulation, "b") == 0


DIAMOND = [(log("a"), []), (log("b"), ["a"]), (log("c"), ["a"]), (log("d"), ["b", "c"])]
CHAIN = [(log("a"), []), (log("b"), ["a"]), (log("c"), ["b"]), (log("d"), ["c"])]
INDEPENDENT = [(log("a"), []), (log("b"), []), (log("c"), []), (log("d"), [])]
MIXED = [(log("a"), []), (log("b"), []), (log("c"), ["a"]), (log("d"), ["a", "b"]),
         (log("e"), [])]


@pytest.mark.parametrize(
    "entries",
    [pytest.param(DIAMOND, id="diamond"), pytest.param(CHAIN, id="chain"),
     pytest.param(INDEPENDENT, id="independent"), pytest.param(MIXED, id="mixed")],
)
@pytest.mark.parametrize("concurrent", (0, 1, 2, 3))
def test_dag_runs_in_dependency_order(
    entries: list[tuple[dict[str, Any], list[str]]], concurrent: int
) -> None:
    simulation = simulate_all(flow([dag("graph", entries, concurrent=concurrent)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "graph") is State.SUCCESS
    for task, _ in entries:
        assert state_of(simulation, task["id"]) is State.SUCCESS


def test_dag_failure_blocks_dependents() -> None:
    entries = [(log("a"), []), (fail("b"), ["a"]), (log("c"), ["a"]), (log("d"), ["b", "c"])]
    simulation = simulate_all(flow([dag("graph", entries)]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "graph") is State.FAILED
    assert state_of(simulation, "c") is State.SUCCESS
    assert ran(simulation, "d") == 0


def test_dag_disabled_dependency() -> None:
    entries = [(log("a", disabled=True), []), (log("b"), ["a"])]
    simulation = simulate_all(flow([dag("graph", entries)]))

    assert simulation.execution.state is State.SUCCESS
    assert ran(simulation, "a") == 0
    assert state_of(simulation, "b") is State.SUCCESS


@pytest.mark.parametrize("target", (1, 2, 4))
def test_wait_for_reaches_condition(target: int) -> None:
    condition = f"{{{{ outputs.wait.iterationCount >= {target} }}}}"
    body = [output("probe", {"i": "{{ taskrun.iteration }}"}), log("second")]
    simulation = simulate_all(flow([wait_for("wait", condition, body, max_iterations=10)]))

    assert simulation.execution.state is State.SUCCESS
    assert ran(simulation, "probe") == target
    assert ran(simulation, "second") == target
    assert [run.iteration for run in simulation.runs("probe")] == list(range(target))
    assert simulation.runs("wait")[0].outputs == {"iterationCount": target}


@pytest.mark.parametrize("fail_on_max", (False, True))
@pytest.mark.parametrize("max_iterations", (1, 3))
def test_wait_for_max_iterations(fail_on_max: bool, max_iterations: int) -> None:
    task = wait_for(
        "wait",
        "{{ false }}",
        [log("probe")],
        max_iterations=max_iterations,
        fail_on_max_reached=fail_on_max,
    )
    simulation = simulate_all(flow([task, log("after")]))

    assert ran(simulation, "probe") == max_iterations
    if fail_on_max:
        assert simulation.execution.state is State.FAILED
        assert state_of(simulation, "wait") is State.FAILED
        assert ran(simulation, "after") == 0
        assert len(errors_of(simulation, "wait")) == 1
    else:
        assert simulation.execution.state is State.SUCCESS
        assert state_of(simulation, "wait") is State.SUCCESS
        assert state_of(simulation, "after") is State.SUCCESS


def test_wait_for_waits_between_iterations() -> None:
    task = wait_for("wait", "{{ false }}", [log("probe")], max_iterations=3, interval="PT30S")
    simulation = simulate_all(flow([task]))

    probes = simulation.runs("probe")
    for before, after in itertools.pairwise(probes):
        assert before.end_date is not None
        assert (after.start_date - before.end_date).total_seconds() >= 30


def test_wait_for_child_failure() -> None:
    task = wait_for("wait", "{{ false }}", [fail("probe"), log("second")], max_iterations=5)
    simulation = simulate_all(flow([task]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "wait") is State.FAILED
    assert ran(simulation, "probe") == 1
    assert ran(simulation, "second") == 0
