"""Run flows in the simulator under many completion orders, and check what must always hold.

`simulate_all` runs one flow under every schedule (an order in which running task runs finish,
and how many results arrive per batch), checks the invariants on each run, and checks that the
outcome does not depend on the schedule.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanner.executions.model import Execution
from lanner.executor.messages import ExecutorMessage, MessageKind
from lanner.executor.simulator import (
    Chooser,
    SimulatedJob,
    Simulation,
    Simulator,
    first_started,
    last_started,
    random_order,
)
from lanner.flows.executable import ExecutableFlow
from lanner.flows.model import Flow
from lanner.flows.parser import parse_flow
from lanner.states import State
from lanner.tasks.base import RunnableTask
from tests.executor.invariants import branch_of, check_execution


def earliest_end(jobs: list[SimulatedJob]) -> int:
    return min(range(len(jobs)), key=lambda index: jobs[index].ends_at)


ORDERS: dict[str, Callable[[], Chooser]] = {
    "first": lambda: first_started,
    "last": lambda: last_started,
    "earliest-end": lambda: earliest_end,
    "random-1": lambda: random_order(1),
    "random-2": lambda: random_order(2),
    "random-3": lambda: random_order(3),
}


class TimedSimulator(Simulator):
    """A simulator where no job finishes after a timer that is due before the job's end.

    The order still picks which job finishes next, among those that end before the next timer.
    NOTE: the stock simulator fires timers only once no job runs, so a flowable's `timeout`
    never interrupts a running child there. This subclass uses the simulator's private queues.
    """

    def _finish_next(self) -> None:
        for finished in range(self.batch_size):
            due = min((timer.deliver_at or self.now for timer in self._timers), default=None)
            eligible = [job for job in self._running if due is None or job.ends_at <= due]
            if not eligible:
                if not finished:
                    self._fire_next_timer()
                return
            job = eligible[self.choose(eligible)]
            self._running.remove(job)
            self.now = max(self.now, job.ends_at)
            self._messages.append(
                ExecutorMessage(self.execution.id, MessageKind.TASK_RUN_RESULT, job.result)
            )


@dataclass(frozen=True)
class Schedule:
    """How a simulated run orders events: which job finishes next, messages per batch, timers."""

    order: str
    batch_size: int
    timed: bool = False

    def __str__(self) -> str:
        kind = "timed" if self.timed else "stock"
        return f"{kind}/{self.order}/batch={self.batch_size}"


BATCH_SIZES = (1, 3, 50)
STOCK = [Schedule(order, size) for order in ("first", "last", "random-1") for size in BATCH_SIZES]
TIMED = [
    Schedule(order, size, timed=True)
    for order in ("earliest-end", "random-2", "random-3")
    for size in BATCH_SIZES
]
SCHEDULES = STOCK + TIMED


@functools.lru_cache(maxsize=1024)
def parsed(source: str) -> Flow:
    return parse_flow(source)


def simulator(
    source: str,
    inputs: dict[str, Any] | None = None,
    schedule: Schedule = SCHEDULES[0],
    *,
    snapshot_at_kill: bool = False,
    **options: Any,
) -> Simulator:
    kinds: dict[tuple[bool, bool], type[Simulator]] = {
        (False, False): Simulator,
        (True, False): TimedSimulator,
        (False, True): KillSimulator,
        (True, True): TimedKillSimulator,
    }
    kind = kinds[schedule.timed, snapshot_at_kill]
    return kind(
        parsed(source),
        inputs,
        choose=ORDERS[schedule.order](),
        batch_size=schedule.batch_size,
        **options,
    )


def simulate_once(
    source: str,
    inputs: dict[str, Any] | None = None,
    schedule: Schedule = SCHEDULES[0],
    **options: Any,
) -> Simulation:
    """Run a flow under one schedule and check the invariants."""
    simulation = simulator(source, inputs, schedule, **options).run()
    check_invariants(simulation, parsed(source), schedule)
    return simulation


def simulate_all(
    source: str,
    inputs: dict[str, Any] | None = None,
    *,
    schedules: Iterable[Schedule] = SCHEDULES,
    key: Callable[[Simulation], Any] | None = None,
    **options: Any,
) -> Simulation:
    """Run under every schedule, check that `key` (the outcome by default) is the same each time.

    Return the run of the first schedule.
    """
    summarize = key or outcome
    runs = [
        (schedule, simulate_once(source, inputs, schedule, **options)) for schedule in schedules
    ]
    first_schedule, first = runs[0]
    expected = summarize(first)
    for schedule, simulation in runs[1:]:
        assert summarize(simulation) == expected, (
            f"the outcome under {schedule} differs from the one under {first_schedule}"
        )
    return first


# --- outcomes ----------------------------------------------------------------------------


def outcome(simulation: Simulation) -> Any:
    """Summarize what must not depend on the order: states, counts, outputs, error messages."""
    execution = simulation.execution
    runs = sorted(
        (
            run.task_id,
            tuple(execution.value_path(run)),
            run.iteration if run.iteration is not None else -1,
            run.state.value,
            len(run.attempts),
            _json(run.outputs),
        )
        for run in execution.task_runs.values()
    )
    errors = sorted(
        (log.task_id or "", log.message) for log in simulation.logs if log.level == "ERROR"
    )
    return execution.state.value, runs, _json(execution.outputs), errors


def final_state(simulation: Simulation) -> State:
    return simulation.execution.state


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def states(simulation: Simulation, task_id: str) -> list[State]:
    """The states of a task's runs, in creation order."""
    return [run.state for run in simulation.runs(task_id)]


def state_of(simulation: Simulation, task_id: str) -> State:
    found = states(simulation, task_id)
    assert len(found) == 1, f"expected one run of {task_id!r}, found {len(found)}"
    return found[0]


def ran(simulation: Simulation, task_id: str) -> int:
    """How many task runs of a task exist."""
    return len(simulation.runs(task_id))


def errors_of(simulation: Simulation, task_id: str | None = None) -> list[str]:
    return [
        log.message
        for log in simulation.logs
        if log.level == "ERROR" and (task_id is None or log.task_id == task_id)
    ]


# --- invariants --------------------------------------------------------------------------


def check_invariants(simulation: Simulation, flow: Flow, schedule: Schedule | str = "") -> None:
    """Check what every finished run must show, whatever the flow."""
    where = f" (schedule {schedule})"
    assert not simulation.dead_messages, f"messages set aside{where}: {simulation.dead_messages}"
    check_execution(simulation.execution, flow, where)


# --- kills -------------------------------------------------------------------------------


class KillTooLate(Exception):
    """The execution ended before the moment chosen for the kill."""


@dataclass
class KillSnapshot:
    """The execution as the kill found it: task runs, their states and attempt counts."""

    date: datetime
    execution_state: State
    states: dict[str, State]
    attempts: dict[str, int]


class _SnapshotAtKill:
    """Record the execution just before a KILL message is applied.

    NOTE: this splits a batch at the KILL message through the simulator's private `_apply`,
    so that results applied in the same batch before the kill do not count as after it.
    """

    kill_snapshot: KillSnapshot | None = None

    def _apply(self, batch: list[ExecutorMessage]) -> None:
        for index, message in enumerate(batch):
            if message.kind is MessageKind.KILL and self.kill_snapshot is None:
                if index:
                    super()._apply(batch[:index])  # type: ignore[misc]
                execution: Execution = self.execution  # type: ignore[attr-defined]
                self.kill_snapshot = KillSnapshot(
                    date=self.now,  # type: ignore[attr-defined]
                    execution_state=execution.state,
                    states={run.id: run.state for run in execution.task_runs.values()},
                    attempts={run.id: len(run.attempts) for run in execution.task_runs.values()},
                )
                super()._apply(batch[index:])  # type: ignore[misc]
                return
        super()._apply(batch)  # type: ignore[misc]


class KillSimulator(_SnapshotAtKill, Simulator):
    pass


class TimedKillSimulator(_SnapshotAtKill, TimedSimulator):
    pass


def simulate_kill(
    source: str,
    when: Callable[[Execution], bool],
    schedule: Schedule,
    inputs: dict[str, Any] | None = None,
    then: Callable[[Execution], bool] | None = None,
    **options: Any,
) -> tuple[Simulation, KillSnapshot]:
    """Run until `when` holds (and then until `then` holds), send a kill, run to the end.

    Check the invariants and what a kill promises.
    """
    running = simulator(source, inputs, schedule, snapshot_at_kill=True, **options)
    assert isinstance(running, _SnapshotAtKill)
    running.step_until(when)
    if then is not None:
        running.step_until(then)
    if running.execution.state.is_terminal:
        raise KillTooLate(f"the execution ended {running.execution.state} before the kill")
    running.send(MessageKind.KILL)
    simulation = running.run()
    snapshot = running.kill_snapshot
    assert snapshot is not None
    check_invariants(simulation, parsed(source), schedule)
    check_kill(simulation, snapshot, ExecutableFlow.of(parsed(source)), f" (schedule {schedule})")
    return simulation, snapshot


def check_kill(
    simulation: Simulation, snapshot: KillSnapshot, flow: ExecutableFlow, where: str
) -> None:
    """Check that nothing started after the kill and that what ran then ended KILLED."""
    execution = simulation.execution
    if snapshot.execution_state.is_terminal:
        # Results applied just before the kill ended the execution: the kill changes nothing.
        assert execution.state is snapshot.execution_state, f"a late kill changed it{where}"
        return
    assert execution.state is State.KILLED, f"execution ended {execution.state}{where}"
    for run in execution.task_runs.values():
        name = f"{run.task_id}[{run.value}]{where}"
        if run.id not in snapshot.states:
            assert branch_of(flow, run) == "afterExecution", f"{name} was created after the kill"
            continue
        assert len(run.attempts) == snapshot.attempts[run.id], (
            f"{name} got a new attempt after the kill"
        )
        before = snapshot.states[run.id]
        if before.is_terminal:
            assert run.state is before, f"{name} changed from {before} to {run.state}"
        elif run.state is not State.KILLED:
            # A worker result that was on its way when the kill arrived keeps its state.
            last = run.attempts[-1] if run.attempts else None
            assert last is not None and last.end_date is not None, f"{name} ended {run.state}"
            assert last.end_date <= snapshot.date, f"{name} ended {run.state} after the kill"
    for run in execution.task_runs.values():
        active = run.id in snapshot.states and not snapshot.states[run.id].is_terminal
        if active and not isinstance(flow.task(run.task_id), RunnableTask):
            assert run.state is State.KILLED, f"flowable {run.task_id} ended {run.state}"
