"""ForEach: run a group of tasks for each value, at most `concurrencyLimit` groups at a time.

Inside one group the tasks run one after the other. The group of a value is in flight from its
first task run until its last one ends, and each group has exactly one active child while in
flight, so the number of active children is the number of groups in flight.
"""

from __future__ import annotations

from pydantic import Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.flow.loops import LoopValues, resolve_values
from lanner.tasks.flow.parallel import free_slots
from lanner.tasks.flow.sequential import next_in_sequence
from lanner.tasks.properties import DynamicNonNegativeInt


class ForEach(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.ForEach",)
    child_task_fields = ("tasks",)

    values: LoopValues
    # 0 starts every group at once. A negative literal is a validation problem, while an
    # expression is checked once rendered, in `start`.
    concurrency_limit: DynamicNonNegativeInt = Field(default=1)
    tasks: list[Task] = Field(min_length=1)

    def start(self, context: FlowableContext) -> Step:
        values = resolve_values(self.values, context, self.id)
        context.internal["values"] = values
        limit = context.render_typed(self.concurrency_limit)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            return Step(
                error=f"concurrencyLimit of task {self.id!r} must be 0 or more, got {limit!r}"
            )
        context.internal["limit"] = limit
        return self._start_groups(context, in_flight=0)

    def on_child_end(self, context: FlowableContext) -> Step:
        step = next_in_sequence(context)
        if step.create:
            return step
        return self._start_groups(context, in_flight=context.active)

    def _start_groups(self, context: FlowableContext, in_flight: int) -> Step:
        values: list[str] = context.internal["values"]
        tasks = context.branch("tasks")
        if not tasks:
            return Step()  # every child task is disabled
        started = context.groups_started
        count = free_slots(context.internal["limit"], in_flight, len(values) - started)
        first = tasks[0]
        return Step(
            create=[
                ChildSpec(first, value=values[index], iteration=index)
                for index in range(started, started + count)
            ]
        )
