"""`timeout` on a flowable: its running children are killed and it ends FAILED.

A timeout only interrupts a running child where timers fire in date order, so these tables run
under the timed schedules alone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lanner.states import State
from tests.executor.builders import (
    flow,
    for_each,
    log,
    parallel,
    sequential,
    sleep,
    wait_for,
)
from tests.executor.harness import TIMED, errors_of, ran, simulate_all, state_of


@pytest.mark.parametrize(
    "holder",
    [
        pytest.param(sequential("holder", [sleep("nap", "PT1H"), log("next")], timeout="PT1M"),
                     id="sequential"),
        pytest.param(parallel("holder", [sleep("nap", "PT1H"), log("next")], timeout="PT1M"),
                     id="parallel"),
        pytest.param(for_each("holder", ["a", "b"], [sleep("nap", "PT1H"), log("next")],
                              timeout="PT1M"), id="foreach"),
        pytest.param(sequential("holder", [sequential("inner", [sleep("nap", "PT1H")]),
                                           log("next")], timeout="PT1M"), id="nested"),
    ],
)
def test_flowable_timeout_fails(holder: dict[str, object]) -> None:
    source = flow([holder, log("after")], errors=[log("handled")])
    simulation = simulate_all(source, schedules=TIMED)

    assert simulation.execution.state is State.FAILED
    run = simulation.runs("holder")[0]
    assert run.state is State.FAILED
    assert run.end_date is not None
    assert run.end_date - run.start_date == timedelta(minutes=1)
    assert all(nap.state is State.KILLED for nap in simulation.runs("nap"))
    assert all(next_run.state is State.SUCCESS for next_run in simulation.runs("next"))
    assert ran(simulation, "after") == 0
    assert state_of(simulation, "handled") is State.SUCCESS
    messages = errors_of(simulation, "holder")
    assert len(messages) == 1
    assert "'holder'" in messages[0]
    assert "timed out" in messages[0]


def test_flowable_timeout_not_reached() -> None:
    holder = sequential("holder", [sleep("nap", "PT30S"), log("next")], timeout="PT1M")
    simulation = simulate_all(flow([holder, log("after")]), schedules=TIMED)

    assert simulation.execution.state is State.SUCCESS
    assert state_of(simulation, "next") is State.SUCCESS
    assert state_of(simulation, "after") is State.SUCCESS


def test_timeout_with_allow_failure() -> None:
    holder = sequential("holder", [sleep("nap", "PT1H")], timeout="PT1M", allowFailure=True)
    simulation = simulate_all(flow([holder, log("after")]), schedules=TIMED)

    assert state_of(simulation, "holder") is State.WARNING
    assert state_of(simulation, "after") is State.SUCCESS
    assert simulation.execution.state is State.WARNING


def test_timeout_stops_new_groups() -> None:
    loop = for_each("holder", [f"v{i}" for i in range(10)], [sleep("nap", "PT25S")], limit=1,
                    timeout="PT1M")
    simulation = simulate_all(flow([loop]), schedules=TIMED)

    assert state_of(simulation, "holder") is State.FAILED
    naps = simulation.runs("nap")
    assert [run.state for run in naps] == [State.SUCCESS, State.SUCCESS, State.KILLED]


def test_wait_for_timeout() -> None:
    waiting = wait_for("holder", "{{ false }}", [log("probe")], max_iterations=1000,
                       interval="PT10S", timeout="PT1M")
    simulation = simulate_all(flow([waiting]))

    assert state_of(simulation, "holder") is State.FAILED
    assert 5 <= ran(simulation, "probe") <= 7
