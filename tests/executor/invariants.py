"""Invariants every finished execution must show, whatever the flow and the order of events.

They are read from stored states and timestamps only, so the same checks run on simulated
executions and on executions run end to end by a real instance.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from lanner.executions.model import Execution, StateHistory, TaskRun
from lanner.flows.executable import ExecutableFlow
from lanner.flows.model import Flow
from lanner.tasks.flow.dag import Dag
from lanner.tasks.flow.each import EachParallel, EachSequential
from lanner.tasks.flow.for_each import ForEach
from lanner.tasks.flow.if_task import If
from lanner.tasks.flow.parallel import Parallel
from lanner.tasks.flow.sequential import Sequential
from lanner.tasks.flow.switch import Switch
from lanner.tasks.flow.wait_for import WaitFor

AFTER_BRANCHES = ("errors", "finally", "afterExecution")
# Flowables whose main-branch children run one after the other (AllowFailure is a Sequential).
ONE_AT_A_TIME = (Sequential, If, Switch, WaitFor, EachSequential)


def check_execution(execution: Execution, flow: Flow | ExecutableFlow, where: str = "") -> None:
    """Check states, histories, end dates, order and concurrency of a finished execution."""
    executable = flow if isinstance(flow, ExecutableFlow) else ExecutableFlow.of(flow)
    assert execution.state.is_terminal, f"execution ended {execution.state}{where}"
    check_history(execution.histories, f"execution{where}")
    for run in execution.task_runs.values():
        name = f"task run {run.task_id}[{run.value}]{where}"
        assert run.state.is_terminal, f"{name} ended {run.state}"
        check_history(run.histories, name)
        for number, attempt in enumerate(run.attempts, start=1):
            check_history(attempt.histories, f"attempt {number} of {name}")
            assert attempt.state.is_terminal, f"attempt {number} of {name} ended {attempt.state}"
    check_parents_end_last(execution, where)
    check_root_order(execution, executable, where)
    for run in execution.task_runs.values():
        check_children_order(execution, executable, run, where)


def check_history(histories: list[StateHistory], name: str) -> None:
    """No state follows a terminal one, and dates never go back."""
    for index, entry in enumerate(histories[:-1]):
        assert not entry.state.is_terminal, (
            f"{name}: {entry.state} is followed by {[h.state.value for h in histories[index + 1:]]}"
        )
        assert histories[index + 1].date >= entry.date, (
            f"{name}: history dates go back: "
            + ", ".join(f"{h.state.value} at {h.date.isoformat()}" for h in histories)
        )


def check_parents_end_last(execution: Execution, where: str) -> None:
    end = execution.end_date
    assert end is not None
    for run in execution.task_runs.values():
        parent = execution.parent_of(run)
        assert run.end_date is not None
        if parent is not None:
            assert parent.end_date is not None
            assert parent.end_date >= run.end_date, (
                f"{parent.task_id} ended before its child {run.task_id}[{run.value}]{where}"
            )


def check_root_order(execution: Execution, flow: ExecutableFlow, where: str) -> None:
    """The flow's lists run one task at a time, and afterExecution only after the end."""
    roots = list(execution.child_runs(None))
    during = [run for run in roots if branch_of(flow, run) != "afterExecution"]
    after = [run for run in roots if branch_of(flow, run) == "afterExecution"]
    check_one_at_a_time(during, f"the flow's tasks{where}")
    check_one_at_a_time(after, f"the flow's afterExecution tasks{where}")
    end = execution.end_date
    assert end is not None
    for run in during:
        assert run.end_date is not None and run.end_date <= end, (
            f"{run.task_id} ended after the execution{where}"
        )
    for run in after:
        assert run.start_date >= end, f"afterExecution task {run.task_id} started early{where}"


def check_children_order(
    execution: Execution, flow: ExecutableFlow, parent: TaskRun, where: str
) -> None:
    """Check the order and the concurrency of a flowable's children against its kind."""
    children = list(execution.child_runs(parent.id))
    if not children:
        return
    main = [run for run in children if branch_of(flow, run) not in AFTER_BRANCHES]
    after = [run for run in children if branch_of(flow, run) in AFTER_BRANCHES]
    name = f"{parent.task_id}{where}"
    check_one_at_a_time(after, f"errors and finally of {name}")
    last_main_end = max((_end(run) for run in main), default=None)
    for run in after:
        assert last_main_end is None or run.start_date >= last_main_end, (
            f"{run.task_id} started before the main tasks of {name} ended"
        )

    task = flow.task(parent.task_id)
    if isinstance(task, ForEach):
        groups: dict[str | None, list[TaskRun]] = {}
        for run in main:
            groups.setdefault(run.value, []).append(run)
        for value, group in groups.items():
            check_one_at_a_time(group, f"group {value!r} of {name}")
        limit = task.concurrency_limit
        if isinstance(limit, int) and limit > 0:
            spans = [(group[0].start_date, max(_end(run) for run in group)) for group in
                     groups.values()]
            assert max_overlap(spans) <= limit, f"more than {limit} groups in flight in {name}"
    elif isinstance(task, Parallel | EachParallel | Dag):
        if task.concurrent > 0:
            spans = [(run.start_date, _end(run)) for run in main]
            assert max_overlap(spans) <= task.concurrent, (
                f"more than {task.concurrent} children at once in {name}"
            )
        if isinstance(task, Dag):
            _check_dependencies(task, main, name)
    elif isinstance(task, ONE_AT_A_TIME):
        check_one_at_a_time(main, f"children of {name}")


def _check_dependencies(task: Dag, runs: list[TaskRun], name: str) -> None:
    by_id = {run.task_id: run for run in runs}
    for entry in task.tasks:
        run = by_id.get(entry.task.id)
        if run is None:
            continue
        for dependency in entry.depends_on or []:
            before = by_id.get(dependency)
            if before is not None:
                assert run.start_date >= _end(before), (
                    f"{run.task_id} started before its dependency {dependency} ended in {name}"
                )


def check_one_at_a_time(runs: list[TaskRun], name: str) -> None:
    ordered = sorted(runs, key=lambda run: run.seq)
    for before, after in itertools.pairwise(ordered):
        assert after.start_date >= _end(before), (
            f"{after.task_id}[{after.value}] started before {before.task_id}[{before.value}] "
            f"ended: {name}"
        )
        first_attempt = after.attempts[0].start_date if after.attempts else None
        assert first_attempt is None or first_attempt >= _end(before)


def max_overlap(spans: list[tuple[datetime, datetime]]) -> int:
    """The largest number of half-open [start, end) spans that share one instant."""
    events = sorted(
        [(end, 0) for start, end in spans if end > start]
        + [(start, 1) for start, end in spans if end > start]
    )
    current = highest = 0
    for _, kind in events:
        current += 1 if kind == 1 else -1
        highest = max(highest, current)
    return highest


def _end(run: TaskRun) -> datetime:
    assert run.end_date is not None, f"{run.task_id} has not ended"
    return run.end_date


def branch_of(flow: ExecutableFlow, run: TaskRun) -> str:
    return flow.index.positions[run.task_id].branch
