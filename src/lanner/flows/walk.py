"""Walk every task of a flow with its location in the YAML document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lanner.flows.model import Flow
from lanner.tasks.base import Task

Path = tuple[str | int, ...]

ROOT_BRANCHES = ("tasks", "errors", "finally", "afterExecution")


@dataclass(frozen=True)
class TaskLocation:
    task: Task
    path: Path
    parent: Task | None
    branch: str


def root_lists(flow: Flow) -> Iterator[tuple[str, list[Task]]]:
    yield "tasks", flow.tasks
    yield "errors", flow.errors or []
    yield "finally", flow.finally_ or []
    yield "afterExecution", flow.after_execution or []


def walk_tasks(flow: Flow) -> Iterator[TaskLocation]:
    """Yield every task of the flow, parents before their children."""
    for branch, tasks in root_lists(flow):
        for index, task in enumerate(tasks):
            yield from _walk(task, (branch, index), None, branch)


def _walk(task: Task, path: Path, parent: Task | None, branch: str) -> Iterator[TaskLocation]:
    yield TaskLocation(task, path, parent, branch)
    for entry in task.child_entries():
        yield from _walk(entry.task, (*path, *entry.path), task, entry.branch)
