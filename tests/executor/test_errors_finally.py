"""`errors`, `finally` and `afterExecution` branches, at task and flow level."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from lanner.states import State
from tests.executor.builders import fail, flow, for_each, log, parallel, sequential
from tests.executor.harness import ran, simulate_all, state_of


def _main(outcome: str) -> list[dict[str, Any]]:
    if outcome == "SUCCESS":
        return [log("work")]
    if outcome == "WARNING":
        return [fail("work", allowFailure=True)]
    return [fail("work")]


def _branch(prefix: str, outcome: str) -> list[dict[str, Any]]:
    if outcome == "FAILED":
        return [fail(f"{prefix}1"), log(f"{prefix}2")]
    return [log(f"{prefix}1"), log(f"{prefix}2")]


# main outcome, errors outcome, finally outcome -> end state
BRANCH_TABLE = [
    ("SUCCESS", "SUCCESS", "SUCCESS", State.SUCCESS),
    ("WARNING", "SUCCESS", "SUCCESS", State.WARNING),
    ("FAILED", "SUCCESS", "SUCCESS", State.FAILED),
    ("FAILED", "FAILED", "SUCCESS", State.FAILED),
    ("SUCCESS", "SUCCESS", "FAILED", State.FAILED),
    ("FAILED", "FAILED", "FAILED", State.FAILED),
    ("WARNING", "SUCCESS", "FAILED", State.FAILED),
]


@pytest.mark.parametrize(("main", "errors", "final", "expected"), BRANCH_TABLE)
@pytest.mark.parametrize("level", ("task", "flow"))
def test_errors_and_finally(
    main: str, errors: str, final: str, expected: State, level: str
) -> None:
    branches = {"errors": _branch("err", errors), "finally": _branch("fin", final)}
    if level == "task":
        source = flow([sequential("holder", _main(main), **branches), log("after")])
    else:
        source = flow(_main(main), **branches)
    simulation = simulate_all(source)

    assert simulation.execution.state is expected
    if level == "task":
        assert state_of(simulation, "holder") is expected
        assert ran(simulation, "after") == (0 if expected is State.FAILED else 1)
    assert ran(simulation, "err1") == (1 if main == "FAILED" else 0)
    assert ran(simulation, "err2") == (1 if main == "FAILED" and errors == "SUCCESS" else 0)
    assert ran(simulation, "fin1") == 1
    assert ran(simulation, "fin2") == (1 if final == "SUCCESS" else 0)
    if main == "FAILED":
        err1 = simulation.runs("err1")[0]
        fin1 = simulation.runs("fin1")[0]
        last_error = simulation.runs("err2" if errors == "SUCCESS" else "err1")[0]
        assert last_error.end_date is not None
        assert fin1.start_date >= last_error.end_date
        work = simulation.runs("work")[0]
        assert work.end_date is not None and err1.start_date >= work.end_date


def test_nested_finally_order() -> None:
    inner = sequential("inner", [fail("boom")], **{"finally": [log("inner_fin")]})
    outer = sequential("outer", [inner], errors=[log("outer_err")],
                       **{"finally": [log("outer_fin")]})
    source = flow([outer], errors=[log("flow_err")], **{"finally": [log("flow_fin")]})
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    order = ["boom", "inner_fin", "outer_err", "outer_fin", "flow_err", "flow_fin"]
    runs = [simulation.runs(task_id)[0] for task_id in order]
    for before, after in itertools.pairwise(runs):
        assert before.end_date is not None
        assert after.start_date >= before.end_date, f"{after.task_id} before {before.task_id}"


def test_finally_inside_finally() -> None:
    holder = sequential("holder", [log("work")], **{"finally": [
        sequential("cleanup", [fail("clean")], **{"finally": [log("last")]})
    ]})
    simulation = simulate_all(flow([holder]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "last") is State.SUCCESS
    assert state_of(simulation, "cleanup") is State.FAILED


def test_errors_in_each_iteration_group() -> None:
    group = sequential("group", [fail("check", condition="{{ parent.taskrun.value == 'b' }}")],
                       errors=[log("handled")])
    # The Sequential carries the loop value, so its child reads it through `parent`.
    source = flow([for_each("each", ["a", "b", "c"], [group], limit=0)])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.FAILED
    assert [run.value for run in simulation.runs("group") if run.state is State.FAILED] == ["b"]
    assert ran(simulation, "handled") == 1


def test_errors_after_parallel_siblings() -> None:
    par = parallel("par", [fail("fast"), sequential("slow", [log("s1"), log("s2")])],
                   errors=[log("handled")])
    simulation = simulate_all(flow([par]))

    assert simulation.execution.state is State.FAILED
    handled = simulation.runs("handled")[0]
    s2 = simulation.runs("s2")[0]
    assert s2.end_date is not None and handled.start_date >= s2.end_date


@pytest.mark.parametrize("main", ("SUCCESS", "WARNING", "FAILED"))
@pytest.mark.parametrize("after_fails", (False, True))
def test_after_execution(main: str, after_fails: bool) -> None:
    after = [fail("post1") if after_fails else log("post1"), log("post2")]
    source = flow(_main(main), afterExecution=after)
    simulation = simulate_all(source)
    execution = simulation.execution

    assert execution.state is State(main)
    assert ran(simulation, "post1") == 1
    assert ran(simulation, "post2") == (0 if after_fails else 1)
    post1 = simulation.runs("post1")[0]
    assert execution.end_date is not None and post1.start_date >= execution.end_date
    assert [entry.state for entry in execution.histories][-1] is State(main)


def test_after_execution_reads_state() -> None:
    source = flow([fail("boom")], afterExecution=[
        {"id": "post", "type": "io.kestra.plugin.core.output.OutputValues",
         "values": {"state": "{{ execution.state }}"}}
    ])
    simulation = simulate_all(source)

    assert simulation.runs("post")[0].outputs == {"values": {"state": "FAILED"}}
