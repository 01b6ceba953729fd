"""Pause: stop a branch of the execution until it is resumed, or until `pauseDuration` passes.

A paused task run is PAUSED, and so is the execution while any task run is. It is resumed by
the API, the CLI or a Resume task, with the `onResume` inputs, which become its outputs
(`outputs.<pause id>.onResume`). When `pauseDuration` passes first, `behavior` decides: RESUME
(the default) goes on, WARN ends the task run WARNING, FAIL ends it FAILED, CANCEL ends it
CANCELLED. The older `timeout` property fails the task run when it passes, like any flowable
task's timeout. Whichever comes first wins: a task run resumed by hand is never resumed, warned
or failed again by its timer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AliasChoices, Field

from lanner.durations import InvalidDuration, format_duration, parse_duration
from lanner.errors import LannerError
from lanner.executor.flowable import FlowableContext, Step
from lanner.flows.inputs import Input
from lanner.states import State
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.choices import one_of
from lanner.tasks.flow.sequential import first_of, next_in_sequence
from lanner.tasks.properties import Duration


class Pause(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Pause", "io.kestra.core.tasks.flows.Pause")
    # Kestra deprecated child tasks on Pause but still runs them after the resume.
    child_task_fields = ("tasks",)

    # `delay` is the older name.
    pause_duration: Duration | None = Field(
        default=None,
        validation_alias=AliasChoices("pauseDuration", "delay"),
        serialization_alias="pauseDuration",
    )
    # What happens once `pauseDuration` has passed; a manual resume always succeeds.
    behavior: Annotated[str, one_of("RESUME", "WARN", "FAIL", "CANCEL")] = "RESUME"
    # Inputs asked for on resume, readable as `outputs.<pause id>.onResume`.
    on_resume: list[Input] | None = None
    tasks: list[Task] | None = None

    def start(self, context: FlowableContext) -> Step:
        duration = self._duration(context)
        if duration is None:
            return Step(pause=True, wait=True)
        context.internal["pauseDuration"] = format_duration(duration)
        return Step(pause=True, wait=True, wake_at=context.now + duration)

    def on_timer(self, context: FlowableContext) -> Step:
        """Apply `behavior` once `pauseDuration` has passed without a resume."""
        behavior = context.render(self.behavior)
        if behavior == "RESUME":
            return self.on_resume_step(context)
        if behavior == "WARN":
            return Step(end=State.WARNING)
        if behavior == "CANCEL":
            return Step(end=State.CANCELLED)
        waited = context.internal.get("pauseDuration", "its pause duration")
        return Step(error=f"task {self.id!r} was not resumed within {waited}")

    def on_resume_step(self, context: FlowableContext) -> Step:
        """Go on after a resume: run the child tasks, if any."""
        return first_of(context.branch("tasks"))

    def on_child_end(self, context: FlowableContext) -> Step:
        return next_in_sequence(context)

    def _duration(self, context: FlowableContext) -> timedelta | None:
        value = self.pause_duration
        if value is None or isinstance(value, timedelta):
            return value
        rendered = context.render_typed(value, "pauseDuration")
        if isinstance(rendered, timedelta):
            return rendered
        try:
            return parse_duration(str(rendered))
        except InvalidDuration as error:
            raise LannerError(f"invalid pauseDuration: {error}") from None
