"""Parallel: run child tasks at the same time, at most `concurrent` of them (0 is no limit)."""

from __future__ import annotations

from pydantic import Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task, TaskProblem


def free_slots(limit: int, active: int, remaining: int) -> int:
    """Count how many more children may start under a concurrency limit (0 means no limit)."""
    if limit <= 0:
        return remaining
    return max(0, min(remaining, limit - active))


class Parallel(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Parallel", "io.kestra.core.tasks.flows.Parallel")
    child_task_fields = ("tasks",)

    tasks: list[Task] = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)

    def start(self, context: FlowableContext) -> Step:
        return self._fill(context)

    def on_child_end(self, context: FlowableContext) -> Step:
        return self._fill(context)

    def _fill(self, context: FlowableContext) -> Step:
        tasks = context.branch("tasks")
        started = context.created
        count = free_slots(self.concurrent, context.active, len(tasks) - started)
        return Step(create=[ChildSpec(task) for task in tasks[started : started + count]])

    def check(self) -> list[TaskProblem]:
        return []
