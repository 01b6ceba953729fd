"""Pause: stop the execution until it is resumed, or until `pauseDuration` has passed."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field

from lanner.errors import LannerError
from lanner.executor.flowable import FlowableContext, Step
from lanner.flows.inputs import Input
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.choices import one_of
from lanner.tasks.properties import Duration


class Pause(FlowableTask):
    type_names = ("io.kestra.plugin.core.flow.Pause", "io.kestra.core.tasks.flows.Pause")
    # Kestra deprecated child tasks on Pause but still runs them after the resume.
    child_task_fields = ("tasks",)

    # `delay` is the older name.
    pause_duration: Duration | None = Field(
        default=None,
        validation_alias=AliasChoices("pauseDuration", "delay", "pause_duration"),
        serialization_alias="pauseDuration",
    )
    # What happens once `pauseDuration` has passed; a manual resume always succeeds.
    behavior: Annotated[str, one_of("RESUME", "WARN", "FAIL", "CANCEL")] = "RESUME"
    # Inputs asked for on resume, readable as `outputs.<pause id>.onResume`.
    on_resume: list[Input] | None = None
    tasks: list[Task] | None = None

    def start(self, context: FlowableContext) -> Step:
        # TODO: pause the execution and resume it from the API or after pauseDuration.
        raise LannerError(f"task {self.id!r}: Pause is not available yet in Lanner")

    def on_child_end(self, context: FlowableContext) -> Step:
        raise LannerError(f"task {self.id!r}: Pause is not available yet in Lanner")
