"""WaitFor (older name LoopUntil): repeat tasks until a condition is true.

The condition is evaluated after each iteration's tasks have ended. Between iterations the
task run waits `checkFrequency.interval`; it stops after `maxIterations` iterations or
`maxDuration`, and then fails only when `failOnMaxReached` is true.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.expressions import is_truthy
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.flow.sequential import next_in_sequence
from lanner.tasks.properties import MODEL_CONFIG, StaticDuration
from lanner.timestamps import format_timestamp, parse_timestamp


class CheckFrequency(BaseModel):
    model_config = MODEL_CONFIG

    max_iterations: int = Field(default=100, ge=1)
    max_duration: StaticDuration = timedelta(hours=1)
    interval: StaticDuration = timedelta(seconds=1)


class WaitFor(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.WaitFor", "io.kestra.plugin.core.flow.LoopUntil")
    child_task_fields = ("tasks",)

    condition: str | bool
    tasks: list[Task] = Field(min_length=1)
    check_frequency: CheckFrequency = Field(default_factory=CheckFrequency)
    fail_on_max_reached: bool = False

    def start(self, context: FlowableContext) -> Step:
        context.internal["startedAt"] = format_timestamp(context.now)
        return self._iteration(context, 0)

    def on_child_end(self, context: FlowableContext) -> Step:
        step = next_in_sequence(context)
        if step.create:
            return step
        return self._after_iteration(context)

    def on_timer(self, context: FlowableContext) -> Step:
        return self._iteration(context, int(context.internal["iteration"]) + 1)

    def _iteration(self, context: FlowableContext, iteration: int) -> Step:
        context.internal["iteration"] = iteration
        tasks = context.branch("tasks")
        create = [ChildSpec(tasks[0], iteration=iteration)] if tasks else []
        return Step(create=create, outputs={"iterationCount": iteration + 1})

    def _after_iteration(self, context: FlowableContext) -> Step:
        if is_truthy(context.render_typed(self.condition, "condition")):
            return Step()
        iteration = int(context.internal["iteration"])
        frequency = self.check_frequency
        elapsed = context.now - parse_timestamp(context.internal["startedAt"])
        max_duration = frequency.max_duration
        if iteration + 1 >= frequency.max_iterations or elapsed >= max_duration:
            if self.fail_on_max_reached:
                return Step(
                    error=f"task {self.id!r} reached its limit of {frequency.max_iterations} "
                    f"iterations or {max_duration} without its condition becoming true"
                )
            return Step()
        return Step(wait=True, wake_at=context.now + frequency.interval)
