"""Dag: run tasks as soon as the tasks they depend on have ended, at most `concurrent` at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.tasks.base import ChildEntry, FlowableTask, Path, Task, TaskProblem
from lanner.tasks.flow.parallel import free_slots
from lanner.tasks.properties import MODEL_CONFIG


class DagTask(BaseModel):
    model_config = MODEL_CONFIG

    task: Task
    depends_on: list[str] | None = None


class Dag(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Dag", "io.kestra.core.tasks.flows.Dag")

    tasks: list[DagTask] = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)

    @classmethod
    def child_task_locations(cls, raw: dict[str, Any]) -> list[Path]:
        locations = super().child_task_locations(raw)
        tasks = raw.get("tasks")
        if isinstance(tasks, list):
            locations += [
                ("tasks", index, "task")
                for index, entry in enumerate(tasks)
                if isinstance(entry, dict) and isinstance(entry.get("task"), dict)
            ]
        return locations

    def child_entries(self) -> Iterator[ChildEntry]:
        for index, entry in enumerate(self.tasks):
            yield ChildEntry(("tasks", index, "task"), "tasks", entry.task)
        yield from super().child_entries()

    def check(self) -> list[TaskProblem]:
        problems = []
        known = {entry.task.id for entry in self.tasks}
        for index, entry in enumerate(self.tasks):
            for dependency in entry.depends_on or []:
                if dependency not in known:
                    problems.append(
                        TaskProblem(
                            ("tasks", index, "dependsOn"),
                            f"task {entry.task.id!r} depends on {dependency!r}, which is not a "
                            "task of this Dag",
                        )
                    )
        cycle = self._find_cycle()
        if cycle:
            problems.append(TaskProblem(("tasks",), "the Dag has a cycle: " + " -> ".join(cycle)))
        return problems

    def _find_cycle(self) -> list[str] | None:
        depends = {entry.task.id: list(entry.depends_on or []) for entry in self.tasks}
        visiting: list[str] = []
        done: set[str] = set()

        def visit(task_id: str) -> list[str] | None:
            if task_id in visiting:
                return [*visiting[visiting.index(task_id) :], task_id]
            if task_id in done or task_id not in depends:
                return None
            visiting.append(task_id)
            for dependency in depends[task_id]:
                cycle = visit(dependency)
                if cycle:
                    return cycle
            visiting.pop()
            done.add(task_id)
            return None

        for task_id in depends:
            cycle = visit(task_id)
            if cycle:
                return cycle
        return None

    def start(self, context: FlowableContext) -> Step:
        return self._ready(context)

    def on_child_end(self, context: FlowableContext) -> Step:
        return self._ready(context)

    def _ready(self, context: FlowableContext) -> Step:
        enabled = {task.id for task in context.branch("tasks")}
        created = context.internal.setdefault("created", [])
        ended = set(context.internal.setdefault("ended", []))
        if context.ended_child is not None and context.ended_child.state.is_terminal:
            ended.add(context.ended_child.task_id)
            context.internal["ended"] = sorted(ended)
        ready = []
        for entry in self.tasks:
            task_id = entry.task.id
            if task_id not in enabled or task_id in created:
                continue
            # A disabled dependency counts as done, as Kestra removes disabled tasks.
            waiting = [d for d in entry.depends_on or [] if d in enabled and d not in ended]
            if not waiting:
                ready.append(entry.task)
        count = free_slots(self.concurrent, context.active, len(ready))
        chosen = ready[:count]
        created += [task.id for task in chosen]
        return Step(create=[ChildSpec(task) for task in chosen])
