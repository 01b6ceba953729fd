"""ForEach, EachSequential and EachParallel: groups, limits and how the loop ends.

The harness checks on every run that a ForEach never has more than `concurrencyLimit` groups in
flight and that inside a group each task starts at or after the previous one ends.
"""

from __future__ import annotations

import pytest

from lanner.states import State
from tests.executor.builders import (
    each_parallel,
    each_sequential,
    fail,
    flow,
    for_each,
    log,
    output,
    sequential,
    sleep,
)
from tests.executor.harness import errors_of, final_state, ran, simulate_all, state_of, states
from tests.executor.invariants import max_overlap

VALUE_COUNTS = (0, 1, 2, 7)


def _values(count: int) -> list[str]:
    return [f"v{index}" for index in range(count)]


def _limits(count: int) -> list[int]:
    """concurrencyLimit values around the number of values, 0 (no limit) included."""
    return sorted({0, 1, 2, max(count - 1, 0), count, count + 5})


FOREACH_TABLE = [
    (count, limit, children)
    for count in VALUE_COUNTS
    for limit in _limits(count)
    for children in (1, 2, 3)
]


@pytest.mark.parametrize(("count", "limit", "children"), FOREACH_TABLE)
def test_foreach_runs_every_group(count: int, limit: int, children: int) -> None:
    tasks = [output(f"c{index}", {"seen": "{{ taskrun.value }}"}) for index in range(children)]
    simulation = simulate_all(flow([for_each("each", _values(count), tasks, limit=limit)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "each") is State.SUCCESS
    for index in range(children):
        runs = simulation.runs(f"c{index}")
        assert sorted(run.value for run in runs) == sorted(_values(count))
        assert all(run.state is State.SUCCESS for run in runs)
        assert all(run.outputs == {"values": {"seen": run.value}} for run in runs)
        assert all(run.iteration == int(run.value[1:]) for run in runs)


@pytest.mark.parametrize("limit", (0, 1, 3))
def test_foreach_empty_values_end_at_once(limit: int) -> None:
    simulation = simulate_all(flow([for_each("each", [], [log("child")], limit=limit)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "each") is State.SUCCESS
    assert ran(simulation, "child") == 0
    each = simulation.runs("each")[0]
    assert [entry.state for entry in each.histories] == [
        State.CREATED,
        State.RUNNING,
        State.SUCCESS,
    ]
    assert each.end_date == each.start_date


@pytest.mark.parametrize("limit", (0, 1, 2, 4))
def test_foreach_slow_first_task(limit: int) -> None:
    tasks = [sleep("slow", "PT5M"), log("fast")]
    simulation = simulate_all(flow([for_each("each", _values(4), tasks, limit=limit)]))

    assert simulation.execution.state is State.SUCCESS
    assert ran(simulation, "fast") == 4
    for run in simulation.runs("fast"):
        slow = next(r for r in simulation.runs("slow") if r.value == run.value)
        assert slow.end_date is not None
        assert run.start_date >= slow.end_date


@pytest.mark.parametrize("limit", (0, 1, 2, 5))
@pytest.mark.parametrize("failing", ("v0", "v2", "v4"))
def test_foreach_failed_group(limit: int, failing: str) -> None:
    tasks = [
        fail("check", condition=f"{{{{ taskrun.value == '{failing}' }}}}"),
        log("after_check"),
    ]
    source = flow([for_each("each", _values(5), tasks, limit=limit), log("after")])
    # How many groups start before the failure is known depends on the order.
    simulation = simulate_all(source, key=final_state)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "each") is State.FAILED
    failed = [run for run in simulation.runs("check") if run.state is State.FAILED]
    assert [run.value for run in failed] == [failing]
    assert all(run.value != failing for run in simulation.runs("after_check"))
    assert ran(simulation, "after") == 0


def test_foreach_one_at_a_time_stops_at_failure() -> None:
    tasks = [fail("check", condition="{{ taskrun.value == 'v2' }}")]
    simulation = simulate_all(flow([for_each("each", _values(5), tasks, limit=1)]))

    assert [run.value for run in simulation.runs("check")] == ["v0", "v1", "v2"]
    assert states(simulation, "check") == [State.SUCCESS, State.SUCCESS, State.FAILED]


@pytest.mark.parametrize("count", VALUE_COUNTS)
@pytest.mark.parametrize("children", (1, 2, 3))
def test_each_sequential_one_at_a_time(count: int, children: int) -> None:
    tasks = [log(f"c{index}") for index in range(children)]
    simulation = simulate_all(flow([each_sequential("each", _values(count), tasks)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "each") is State.SUCCESS
    runs = sorted(
        (run for run in simulation.execution.task_runs.values() if run.task_id != "each"),
        key=lambda run: run.seq,
    )
    expected = [(f"c{c}", f"v{v}") for v in range(count) for c in range(children)]
    assert [(run.task_id, run.value) for run in runs] == expected


@pytest.mark.parametrize("count", VALUE_COUNTS)
@pytest.mark.parametrize("children", (1, 2, 3))
@pytest.mark.parametrize("concurrent", (0, 1, 2, 4))
def test_each_parallel_runs_pairs(count: int, children: int, concurrent: int) -> None:
    tasks = [log(f"c{index}") for index in range(children)]
    source = flow([each_parallel("each", _values(count), tasks, concurrent=concurrent)])
    simulation = simulate_all(source)

    assert simulation.execution.state is State.SUCCESS
    for index in range(children):
        assert sorted(run.value for run in simulation.runs(f"c{index}")) == _values(count)


def test_each_parallel_sequence_per_value() -> None:
    group = sequential("group", [log("first"), log("second")])
    simulation = simulate_all(flow([each_parallel("each", _values(3), [group])]))

    assert simulation.execution.state is State.SUCCESS
    for run in simulation.runs("second"):
        first = next(
            other
            for other in simulation.runs("first")
            if other.parent_id == run.parent_id
        )
        assert first.end_date is not None and run.start_date >= first.end_date


@pytest.mark.parametrize("loop", ("ForEach", "EachSequential", "EachParallel"))
def test_loop_failure_fails_flow(loop: str) -> None:
    tasks = [fail("check", condition="{{ taskrun.value == 'v1' }}")]
    task = {
        "ForEach": for_each("each", _values(3), tasks, limit=0),
        "EachSequential": each_sequential("each", _values(3), tasks),
        "EachParallel": each_parallel("each", _values(3), tasks),
    }[loop]
    simulation = simulate_all(flow([task]), key=final_state)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "each") is State.FAILED


@pytest.mark.parametrize("limit", (0, 1, 2, 3))
def test_foreach_limit_from_expression(limit: int) -> None:
    source = flow([for_each("each", _values(5), [log("child")], limit="{{ inputs.limit }}")])
    simulation = simulate_all(source, {"limit": limit})

    assert simulation.execution.state is State.SUCCESS
    assert ran(simulation, "child") == 5
    if limit:
        spans = [(run.start_date, run.end_date) for run in simulation.runs("child")]
        assert max_overlap(spans) <= limit  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", (-1, "x", 1.5, True))
def test_foreach_invalid_limit(limit: object) -> None:
    source = flow([for_each("each", _values(2), [log("child")], limit="{{ inputs.limit }}")])
    simulation = simulate_all(source, {"limit": limit})

    assert simulation.execution.state is State.FAILED
    assert ran(simulation, "child") == 0
    [message] = errors_of(simulation, "each")
    assert "concurrencyLimit" in message
