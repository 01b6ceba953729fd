"""Switch: run the tasks of the case matching a value, or the `defaults` tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lanner.executor.flowable import FlowableContext, Step
from lanner.expressions import to_text
from lanner.tasks.base import ChildEntry, FlowableTask, Path, Task
from lanner.tasks.flow.sequential import first_of, next_in_sequence


class Switch(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Switch", "io.kestra.core.tasks.flows.Switch")

    value: Any
    cases: dict[str, list[Task]] | None = None
    defaults: list[Task] | None = None

    @classmethod
    def child_task_locations(cls, raw: dict[str, Any]) -> list[Path]:
        locations = super().child_task_locations(raw)
        cases = raw.get("cases")
        if isinstance(cases, dict):
            locations += [("cases", key) for key, tasks in cases.items() if isinstance(tasks, list)]
        if isinstance(raw.get("defaults"), list):
            locations.append(("defaults",))
        return locations

    def child_entries(self) -> Iterator[ChildEntry]:
        for key, tasks in (self.cases or {}).items():
            for index, task in enumerate(tasks):
                yield ChildEntry(("cases", key, index), f"cases.{key}", task)
        for index, task in enumerate(self.defaults or []):
            yield ChildEntry(("defaults", index), "defaults", task)
        yield from super().child_entries()

    def start(self, context: FlowableContext) -> Step:
        value = to_text(context.render_typed(self.value, "value"))
        matched = self.cases is not None and value in self.cases
        branch = f"cases.{value}" if matched else "defaults"
        context.internal["branch"] = branch
        outputs = {"value": value, "defaults": not matched}
        if not matched and not self.defaults:
            return Step(
                outputs=outputs,
                error=f"no case of task {self.id!r} matches the value {value!r} and it has no "
                "defaults; add a case for it or a defaults branch",
            )
        step = first_of(context.branch(branch))
        step.outputs = outputs
        return step

    def on_child_end(self, context: FlowableContext) -> Step:
        return next_in_sequence(context)
