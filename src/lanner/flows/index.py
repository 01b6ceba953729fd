"""Where each task of a flow sits: its parent, its branch and the tasks around it.

The executor asks "what comes after this task?" for every task run that ends, so the answer is
computed once per flow revision. Disabled tasks are left out, as Kestra removes them before
running a flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lanner.flows.model import Flow
from lanner.flows.walk import root_lists
from lanner.tasks.base import Task


@dataclass(frozen=True)
class TaskPosition:
    task: Task
    parent_id: str | None
    branch: str
    index: int


@dataclass
class FlowIndex:
    positions: dict[str, TaskPosition] = field(default_factory=dict)
    # For each parent task id (None for the flow itself): its enabled tasks by branch.
    branches: dict[str | None, dict[str, list[Task]]] = field(default_factory=dict)

    @classmethod
    def build(cls, flow: Flow) -> FlowIndex:
        index = cls()
        for branch, tasks in root_lists(flow):
            index._add_branch(None, branch, tasks)
        return index

    def _add_branch(self, parent_id: str | None, branch: str, tasks: list[Task]) -> None:
        enabled = [task for task in tasks if not task.disabled]
        self.branches.setdefault(parent_id, {})[branch] = enabled
        for position, task in enumerate(enabled):
            self.positions[task.id] = TaskPosition(task, parent_id, branch, position)
            children: dict[str, list[Task]] = {}
            for entry in task.child_entries():
                children.setdefault(entry.branch, []).append(entry.task)
            for child_branch, child_tasks in children.items():
                self._add_branch(task.id, child_branch, child_tasks)

    def task(self, task_id: str) -> Task:
        return self.positions[task_id].task

    def branch(self, parent_id: str | None, branch: str) -> list[Task]:
        return self.branches.get(parent_id, {}).get(branch, [])

    def next_in_branch(self, task_id: str) -> Task | None:
        """Return the task after `task_id` in its branch, or None at the end."""
        position = self.positions[task_id]
        tasks = self.branch(position.parent_id, position.branch)
        following = position.index + 1
        return tasks[following] if following < len(tasks) else None
