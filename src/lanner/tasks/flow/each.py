"""EachSequential and EachParallel, ForEach's older forms.

EachSequential runs every task for every value, one task run at a time. EachParallel runs every
(value, task) pair at the same time, at most `concurrent` of them; wrap tasks in a Sequential to
keep an order inside one value.
"""

from __future__ import annotations

from pydantic import Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.flow.loops import LoopValues, resolve_values
from lanner.tasks.flow.parallel import free_slots
from lanner.tasks.flow.sequential import next_in_sequence


class EachSequential(FlowableTask):
    type_names = (
        "io.kestra.plugin.core.flow.EachSequential",
        "io.kestra.core.tasks.flows.EachSequential",
    )
    child_task_fields = ("tasks",)

    value: LoopValues
    tasks: list[Task] = Field(min_length=1)

    def start(self, context: FlowableContext) -> Step:
        values = resolve_values(self.value, context, self.id)
        context.internal["values"] = values
        return self._next_value(context, 0)

    def on_child_end(self, context: FlowableContext) -> Step:
        step = next_in_sequence(context)
        if step.create:
            return step
        return self._next_value(context, context.groups_started)

    def _next_value(self, context: FlowableContext, index: int) -> Step:
        values: list[str] = context.internal["values"]
        tasks = context.branch("tasks")
        if index >= len(values) or not tasks:
            return Step()
        return Step(create=[ChildSpec(tasks[0], values[index], index)])


class EachParallel(FlowableTask):
    type_names = (
        "io.kestra.plugin.core.flow.EachParallel",
        "io.kestra.core.tasks.flows.EachParallel",
    )
    child_task_fields = ("tasks",)

    value: LoopValues
    tasks: list[Task] = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)

    def start(self, context: FlowableContext) -> Step:
        context.internal["values"] = resolve_values(self.value, context, self.id)
        return self._fill(context)

    def on_child_end(self, context: FlowableContext) -> Step:
        return self._fill(context)

    def _fill(self, context: FlowableContext) -> Step:
        values: list[str] = context.internal["values"]
        tasks = context.branch("tasks")
        if not tasks:
            return Step()
        total = len(values) * len(tasks)
        started = context.created
        count = free_slots(self.concurrent, context.active, total - started)
        create = []
        for number in range(started, started + count):
            value_index, task_index = divmod(number, len(tasks))
            create.append(ChildSpec(tasks[task_index], values[value_index], value_index))
        return Step(create=create)
