"""In-memory executions and task runs.

An execution can hold thousands of task runs, so it keeps indexes that let the state machine
answer its questions (the children of a task run, how many are still active, the runs of one
task) without scanning, and it records which task runs changed so that saving costs what a batch
of executor messages changed, not the size of the execution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.states import State


@dataclass
class StateHistory:
    state: State
    date: datetime


@dataclass
class Attempt:
    """One run of a task run on a worker."""

    state: State
    histories: list[StateHistory] = field(default_factory=list)
    worker_id: str | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start_date(self) -> datetime | None:
        return self.histories[0].date if self.histories else None

    @property
    def end_date(self) -> datetime | None:
        if self.state.is_terminal and self.histories:
            return self.histories[-1].date
        return None

    def set_state(self, state: State, date: datetime) -> None:
        self.state = state
        self.histories.append(StateHistory(state, date))


@dataclass
class TaskRun:
    id: str
    execution_id: str
    task_id: str
    parent_id: str | None
    value: str | None
    iteration: int | None
    state: State
    histories: list[StateHistory]
    seq: int
    attempts: list[Attempt] = field(default_factory=list)
    outputs: dict[str, Any] | None = None
    # Bookkeeping of flowable tasks (rendered ForEach values, the chosen If branch, the
    # current phase); never shown to users.
    internal: dict[str, Any] = field(default_factory=dict)

    @property
    def start_date(self) -> datetime:
        return self.histories[0].date

    @property
    def end_date(self) -> datetime | None:
        return self.histories[-1].date if self.state.is_terminal else None

    @property
    def attempt_number(self) -> int:
        """The number of the current attempt, 1 for the first, 0 before any."""
        return len(self.attempts)


@dataclass
class ChildIndex:
    """The children of one task run (or of the execution's root), kept up to date."""

    ids: list[str] = field(default_factory=list)
    active: int = 0
    states: Counter[State] = field(default_factory=Counter)
    # Children grouped by their loop value, in creation order, for ForEach-like tasks.
    groups: dict[str | None, list[str]] = field(default_factory=dict)


@dataclass
class Execution:
    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    state: State
    histories: list[StateHistory]
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    labels: list[dict[str, str]] = field(default_factory=list)
    trigger: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    original_id: str | None = None
    # Root-level bookkeeping (the current phase of the flow's task lists).
    internal: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    task_runs: dict[str, TaskRun] = field(default_factory=dict)
    _children: dict[str | None, ChildIndex] = field(default_factory=dict, repr=False)
    _by_task: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _next_seq: int = field(default=0, repr=False)
    # What changed since the last save.
    new_task_runs: set[str] = field(default_factory=set, repr=False)
    changed_task_runs: set[str] = field(default_factory=set, repr=False)
    removed_task_runs: set[str] = field(default_factory=set, repr=False)
    changed: bool = field(default=False, repr=False)

    # --- building -------------------------------------------------------------------------

    def load_task_runs(self, task_runs: list[TaskRun]) -> None:
        """Attach stored task runs, in creation order, and build the indexes."""
        for task_run in sorted(task_runs, key=lambda run: run.seq):
            self._attach(task_run)
        self._next_seq = max((run.seq for run in task_runs), default=-1) + 1

    def add_task_run(self, task_run: TaskRun) -> TaskRun:
        task_run.seq = self._next_seq
        self._next_seq += 1
        self._attach(task_run)
        self.new_task_runs.add(task_run.id)
        return task_run

    def _attach(self, task_run: TaskRun) -> None:
        self.task_runs[task_run.id] = task_run
        index = self._children.setdefault(task_run.parent_id, ChildIndex())
        index.ids.append(task_run.id)
        index.groups.setdefault(task_run.value, []).append(task_run.id)
        index.states[task_run.state] += 1
        if not task_run.state.is_terminal:
            index.active += 1
        self._by_task.setdefault(task_run.task_id, []).append(task_run.id)

    # --- changing -------------------------------------------------------------------------

    def set_task_run_state(self, task_run: TaskRun, state: State, date: datetime) -> None:
        if task_run.state is state:
            return
        index = self._children[task_run.parent_id]
        index.states[task_run.state] -= 1
        index.states[state] += 1
        if not task_run.state.is_terminal and state.is_terminal:
            index.active -= 1
        elif task_run.state.is_terminal and not state.is_terminal:
            index.active += 1
        task_run.state = state
        task_run.histories.append(StateHistory(state, date))
        self.touch(task_run)

    def remove_task_run(self, task_run: TaskRun) -> None:
        """Remove a task run and its descendants (a restart undoing an errors branch)."""
        for child in list(self.child_runs(task_run.id)):
            self.remove_task_run(child)
        index = self._children[task_run.parent_id]
        index.ids.remove(task_run.id)
        index.groups[task_run.value].remove(task_run.id)
        index.states[task_run.state] -= 1
        if not task_run.state.is_terminal:
            index.active -= 1
        self._by_task[task_run.task_id].remove(task_run.id)
        del self.task_runs[task_run.id]
        self.changed_task_runs.discard(task_run.id)
        if task_run.id in self.new_task_runs:
            self.new_task_runs.discard(task_run.id)
        else:
            self.removed_task_runs.add(task_run.id)

    def count_state(self, state: State) -> int:
        """Count the task runs in a state."""
        return sum(index.states[state] for index in self._children.values())

    def touch(self, task_run: TaskRun) -> None:
        """Mark a task run as changed so that it is saved."""
        if task_run.id not in self.new_task_runs:
            self.changed_task_runs.add(task_run.id)

    def set_state(self, state: State, date: datetime) -> None:
        if self.state is state:
            return
        self.state = state
        self.histories.append(StateHistory(state, date))
        self.changed = True

    def clear_changes(self) -> None:
        self.new_task_runs.clear()
        self.changed_task_runs.clear()
        self.removed_task_runs.clear()
        self.changed = False

    # --- reading --------------------------------------------------------------------------

    def children(self, parent_id: str | None) -> ChildIndex:
        return self._children.get(parent_id) or ChildIndex()

    def child_runs(self, parent_id: str | None) -> Iterator[TaskRun]:
        for task_run_id in self.children(parent_id).ids:
            yield self.task_runs[task_run_id]

    def runs_of_task(self, task_id: str) -> list[TaskRun]:
        return [self.task_runs[run_id] for run_id in self._by_task.get(task_id, [])]

    def parent_of(self, task_run: TaskRun) -> TaskRun | None:
        return self.task_runs.get(task_run.parent_id) if task_run.parent_id else None

    def ancestors(self, task_run: TaskRun) -> Iterator[TaskRun]:
        """Yield the parents of a task run, closest first."""
        parent = self.parent_of(task_run)
        while parent is not None:
            yield parent
            parent = self.parent_of(parent)

    def value_path(self, task_run: TaskRun) -> list[str]:
        """List the loop values above and at a task run, outermost first: its outputs' keys."""
        values = [task_run.value] if task_run.value is not None else []
        values += [parent.value for parent in self.ancestors(task_run) if parent.value is not None]
        values.reverse()
        return values

    @property
    def start_date(self) -> datetime:
        return self.histories[0].date

    @property
    def end_date(self) -> datetime | None:
        return self.histories[-1].date if self.state.is_terminal else None

    def active_count(self) -> int:
        return sum(index.active for index in self._children.values())
