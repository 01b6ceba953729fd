"""WorkingDirectory: run runnable tasks one after the other in one shared working directory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from lanner.errors import LannerError
from lanner.executor.flowable import FlowableContext, Step
from lanner.tasks.base import FlowableTask, Task, TaskProblem
from lanner.tasks.properties import MODEL_CONFIG, Duration
from lanner.tasks.working_files import InputFiles, NamespaceFiles, OutputFiles

if TYPE_CHECKING:
    from lanner.worker.context import RunContext


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

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        """Run the children in one working directory, on the worker that claimed this job."""
        from lanner.tasks.flow.working_directory_run import run_working_directory

        return await run_working_directory(self, context)

    def start(self, context: FlowableContext) -> Step:
        raise LannerError(
            f"task {self.id!r}: a WorkingDirectory runs on a worker as one job; the executor "
            "does not order its children"
        )

    def on_child_end(self, context: FlowableContext) -> Step:
        return self.start(context)
