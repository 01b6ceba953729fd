"""Sequential: run child tasks one after the other."""

from __future__ import annotations

from pydantic import Field

from lanner.executor.flowable import ChildSpec, FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task


def first_of(tasks: list[Task]) -> Step:
    return Step(create=[ChildSpec(tasks[0])] if tasks else [])


def next_in_sequence(context: FlowableContext) -> Step:
    """Create the task after the child that just ended, in the same loop value."""
    child = context.ended_child
    assert child is not None
    following = context.next_after(child.task_id)
    if following is None:
        return Step()
    return Step(create=[ChildSpec(following, child.value, child.iteration)])


class Sequential(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Sequential", "io.kestra.core.tasks.flows.Sequential")
    child_task_fields = ("tasks",)

    tasks: list[Task] = Field(min_length=1)

    def start(self, context: FlowableContext) -> Step:
        return first_of(context.branch("tasks"))

    def on_child_end(self, context: FlowableContext) -> Step:
        return next_in_sequence(context)


class AllowFailure(Sequential):
    """A Sequential whose failure becomes a warning, so the flow continues."""

    type_names = (
        "io.kestra.plugin.core.flow.AllowFailure",
        "io.kestra.core.tasks.flows.AllowFailure",
    )

    allow_failure: bool = True
