"""WorkingDirectory: run runnable tasks one after the other in one shared working directory."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lanner.errors import LannerError
from lanner.executor.flowable import FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task, TaskProblem
from lanner.tasks.properties import MODEL_CONFIG, Duration
from lanner.tasks.working_files import InputFiles, NamespaceFiles, OutputFiles


class Cache(BaseModel):
    """Files kept from one run to the next, such as installed dependencies."""

    model_config = MODEL_CONFIG

    patterns: list[str] = Field(min_length=1)
    ttl: Duration | None = None


class WorkingDirectory(FlowableTask):
    type_names = (
        "io.kestra.plugin.core.flow.WorkingDirectory",
        "io.kestra.core.tasks.flows.WorkingDirectory",
        "io.kestra.core.tasks.flows.Worker",
    )
    child_task_fields = ("tasks",)

    tasks: list[Task] = Field(min_length=1)
    cache: Cache | None = None
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None

    def check(self) -> list[TaskProblem]:
        # Every child runs on the same worker, so none may be a flowable task.
        return [
            TaskProblem(
                ("tasks", index, "type"),
                f"task {task.id!r} is a flowable task, which cannot run inside a WorkingDirectory",
                "move it out of the WorkingDirectory, or use only runnable tasks inside it",
            )
            for index, task in enumerate(self.tasks)
            if task.is_flowable
        ]

    def start(self, context: FlowableContext) -> Step:
        # TODO: run the children on one worker, in one working directory.
        raise LannerError(f"task {self.id!r}: WorkingDirectory is not available yet in Lanner")

    def on_child_end(self, context: FlowableContext) -> Step:
        raise LannerError(f"task {self.id!r}: WorkingDirectory is not available yet in Lanner")
