"""If: run `then` when the condition is true, `else` otherwise."""

from __future__ import annotations

from pydantic import Field

from lanner.executor.flowable import FlowableContext, Step
from lanner.expressions import is_truthy
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.flow.sequential import first_of, next_in_sequence


class If(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.If", "io.kestra.core.tasks.flows.If")
    child_task_fields = ("then", "else")

    condition: str | bool
    then: list[Task] = Field(min_length=1)
    else_: list[Task] | None = Field(default=None, alias="else")

    def start(self, context: FlowableContext) -> Step:
        branch = "then" if is_truthy(context.render_typed(self.condition, "condition")) else "else"
        context.internal["branch"] = branch
        return first_of(context.branch(branch))

    def on_child_end(self, context: FlowableContext) -> Step:
        return next_in_sequence(context)
