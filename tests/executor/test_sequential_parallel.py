"""Sequential and Parallel: which children run, in which order, and how the parent ends."""

from __future__ import annotations

import pytest

from lanner.states import State
from tests.executor.builders import fail, flow, log, parallel, sequential
from tests.executor.harness import final_state, ran, simulate_all, state_of, states

SIZES = (1, 2, 3, 5)


def _logs(count: int) -> list[dict[str, str]]:
    return [log(f"t{index}") for index in range(count)]


@pytest.mark.parametrize("size", SIZES)
def test_sequential_runs_all(size: int) -> None:
    simulation = simulate_all(flow([sequential("seq", _logs(size))]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "seq") is State.SUCCESS
    for index in range(size):
        assert state_of(simulation, f"t{index}") is State.SUCCESS


@pytest.mark.parametrize("size", (2, 3, 5))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
def test_sequential_stops_at_failure(size: int, position: str) -> None:
    failing = {"first": 0, "middle": size // 2, "last": size - 1}[position]
    tasks = [fail(f"t{i}") if i == failing else log(f"t{i}") for i in range(size)]
    simulation = simulate_all(flow([sequential("seq", tasks), log("after")]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "seq") is State.FAILED
    assert state_of(simulation, f"t{failing}") is State.FAILED
    for index in range(failing):
        assert state_of(simulation, f"t{index}") is State.SUCCESS
    for index in range(failing + 1, size):
        assert ran(simulation, f"t{index}") == 0
    assert ran(simulation, "after") == 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("concurrent", (0, 1, 2, "N", "N+3"))
def test_parallel_runs_all(size: int, concurrent: int | str) -> None:
    limit = {"N": size, "N+3": size + 3}.get(str(concurrent), concurrent)
    assert isinstance(limit, int)
    simulation = simulate_all(flow([parallel("par", _logs(size), concurrent=limit)]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "par") is State.SUCCESS
    for index in range(size):
        assert state_of(simulation, f"t{index}") is State.SUCCESS


@pytest.mark.parametrize("size", (1, 3, 5))
@pytest.mark.parametrize("position", ("first", "middle", "last"))
def test_parallel_unbounded_failure(size: int, position: str) -> None:
    failing = {"first": 0, "middle": size // 2, "last": size - 1}[position]
    tasks = [fail(f"t{i}") if i == failing else log(f"t{i}") for i in range(size)]
    simulation = simulate_all(flow([parallel("par", tasks), log("after")]))

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "par") is State.FAILED
    # Every child starts at once, so the siblings of the failed one all run to their end.
    for index in range(size):
        expected = State.FAILED if index == failing else State.SUCCESS
        assert state_of(simulation, f"t{index}") is expected
    assert ran(simulation, "after") == 0


@pytest.mark.parametrize("position", (0, 1, 2, 3))
def test_parallel_one_at_a_time_stops(position: int) -> None:
    tasks = [fail(f"t{i}") if i == position else log(f"t{i}") for i in range(4)]
    simulation = simulate_all(flow([parallel("par", tasks, concurrent=1)]))

    assert simulation.execution.state is State.FAILED
    for index in range(position):
        assert state_of(simulation, f"t{index}") is State.SUCCESS
    for index in range(position + 1, 4):
        assert ran(simulation, f"t{index}") == 0


@pytest.mark.parametrize("position", (0, 2, 4))
def test_parallel_bounded_failure(position: int) -> None:
    # Which siblings start before the failure is known depends on the order, the end does not.
    tasks = [fail(f"t{i}") if i == position else log(f"t{i}") for i in range(5)]
    simulation = simulate_all(flow([parallel("par", tasks, concurrent=2)]), key=final_state)

    assert simulation.execution.state is State.FAILED
    assert state_of(simulation, "par") is State.FAILED
    assert states(simulation, f"t{position}") == [State.FAILED]


def test_parallel_nested_sequences() -> None:
    branches = [sequential(f"s{b}", [log(f"s{b}_{i}") for i in range(3)]) for b in range(3)]
    simulation = simulate_all(flow([parallel("par", branches, concurrent=2), log("after")]))

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "after") is State.SUCCESS
    for branch in range(3):
        assert state_of(simulation, f"s{branch}") is State.SUCCESS
