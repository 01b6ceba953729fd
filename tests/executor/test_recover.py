"""`recover`: an execution loaded with a parent whose children have all ended is finished.

The executions here are built as the database would return them after a restart, with the
parent still RUNNING although nothing under it runs any more.
"""

from __future__ import annotations

from datetime import timedelta

from lanner.executions.model import Attempt, Execution, StateHistory, TaskRun
from lanner.executor.machine import StateMachine
from lanner.executor.simulator import START
from lanner.flows.executable import ExecutableFlow
from lanner.states import State
from tests.executor.builders import flow, for_each, log, sequential
from tests.executor.harness import parsed
from tests.executor.invariants import check_execution

LATER = START + timedelta(minutes=5)


def _run(task_id: str, seq: int, state: State, parent: str | None = None,
         value: str | None = None) -> TaskRun:
    # Each run starts one second after the one created before it and lasts half a second.
    start = START + timedelta(seconds=seq)
    histories = [StateHistory(State.CREATED, start), StateHistory(State.RUNNING, start)]
    if state is not State.RUNNING:
        histories.append(StateHistory(state, start + timedelta(seconds=0.5)))
    attempts = []
    if state is not State.RUNNING or parent is not None:
        attempts = [Attempt(state, list(histories))]
    return TaskRun(
        id=f"{task_id}-{value or 'run'}",
        execution_id="stuck",
        task_id=task_id,
        parent_id=parent,
        value=value,
        iteration=None,
        state=state,
        histories=histories,
        seq=seq,
        attempts=attempts,
    )


def _stuck(runs: list[TaskRun]) -> Execution:
    execution = Execution(
        id="stuck",
        namespace="qa.executor",
        flow_id="table_case",
        flow_revision=1,
        state=State.RUNNING,
        histories=[StateHistory(State.CREATED, START), StateHistory(State.RUNNING, START)],
    )
    execution.load_task_runs(runs)
    return execution


def test_recover_ends_stuck_sequential() -> None:
    source = flow([sequential("holder", [log("a"), log("b")])])
    holder = _run("holder", 0, State.RUNNING)
    holder.attempts = []
    execution = _stuck([
        holder,
        _run("a", 1, State.SUCCESS, parent="holder-run"),
        _run("b", 2, State.SUCCESS, parent="holder-run"),
    ])
    machine = StateMachine(ExecutableFlow.of(parsed(source)), execution, LATER)

    machine.recover()

    assert holder.state is State.SUCCESS
    assert execution.state is State.SUCCESS
    assert machine.effects.ended
    check_execution(execution, parsed(source))


def test_recover_ends_stuck_loop() -> None:
    source = flow([for_each("each", ["x", "y"], [log("child")], limit=0), log("after")])
    each = _run("each", 0, State.RUNNING)
    each.attempts = []
    each.internal = {"values": ["x", "y"], "limit": 0}
    execution = _stuck([
        each,
        _run("child", 1, State.SUCCESS, parent="each-run", value="x"),
        _run("child", 2, State.FAILED, parent="each-run", value="y"),
    ])
    machine = StateMachine(ExecutableFlow.of(parsed(source)), execution, LATER)

    machine.recover()

    assert each.state is State.FAILED
    assert execution.state is State.FAILED
    assert execution.runs_of_task("after") == []
    check_execution(execution, parsed(source))


def test_recover_leaves_running_alone() -> None:
    source = flow([sequential("holder", [log("a"), log("b")])])
    holder = _run("holder", 0, State.RUNNING)
    holder.attempts = []
    running = _run("a", 1, State.RUNNING, parent="holder-run")
    execution = _stuck([holder, running])
    machine = StateMachine(ExecutableFlow.of(parsed(source)), execution, LATER)

    machine.recover()

    assert holder.state is State.RUNNING
    assert running.state is State.RUNNING
    assert execution.state is State.RUNNING
    assert not machine.effects.jobs
