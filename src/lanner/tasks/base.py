"""Task models: the properties every task has, and the runnable and flowable kinds.

A task type is a pydantic model named by Kestra's full type name. Runnable tasks do work on a
worker through `run()`. Flowable tasks only order other tasks; the executor's state machine
asks them what to create next (see `lanner.executor.flowable`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from lanner.tasks.choices import one_of
from lanner.tasks.properties import MODEL_CONFIG, TASK_ID_PATTERN, Duration
from lanner.tasks.retry import Retry

if TYPE_CHECKING:
    from lanner.executor.flowable import FlowableContext, Step
    from lanner.worker.context import RunContext

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ChildEntry:
    """A child task inside a flowable: where it is written and which branch it belongs to."""

    path: Path
    branch: str
    task: Task


@dataclass(frozen=True)
class TaskProblem:
    """A problem a task type finds in its own properties, placed relative to the task."""

    path: Path
    message: str
    hint: str | None = None


class LogLevel(StrEnum):
    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


class WorkerGroup(BaseModel):
    """The worker group that runs a task, and what to do while no worker of it is alive."""

    model_config = MODEL_CONFIG

    key: str
    # WAIT (the default) leaves the job queued; FAIL and CANCEL end the task run at once.
    fallback: Annotated[str, one_of("WAIT", "FAIL", "CANCEL", dynamic=False)] | None = None


class TaskCache(BaseModel):
    model_config = MODEL_CONFIG

    enabled: bool = False
    ttl: Duration | None = None


class Task(BaseModel):
    """The properties every task has, whatever its type."""

    model_config = MODEL_CONFIG

    # Kestra's full type name first, then its older names.
    type_names: ClassVar[tuple[str, ...]] = ()
    # YAML names of the properties that hold lists of child tasks (flowable tasks only),
    # besides `errors` and `finally`, which every flowable task has.
    child_task_fields: ClassVar[tuple[str, ...]] = ()

    id: str = Field(max_length=256)
    type: str
    version: str | None = None
    plugin_defaults_ref: str | None = None
    description: str | None = None
    retry: Retry | None = None
    timeout: Duration | None = None
    disabled: bool = False
    worker_group: WorkerGroup | None = None
    log_level: LogLevel | None = None
    allow_failure: bool = False
    allow_warning: bool = False
    log_to_file: bool = False
    run_if: str | bool = "true"
    task_cache: TaskCache | None = None
    assets: Any = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not TASK_ID_PATTERN.match(value):
            raise ValueError(
                f"invalid task id {value!r}: use letters, digits, '_' and '-', "
                "starting with a letter or digit"
            )
        return value

    @property
    def is_flowable(self) -> bool:
        return isinstance(self, FlowableTask)

    def static_timeout(self) -> timedelta | None:
        return self.timeout if isinstance(self.timeout, timedelta) else None

    @classmethod
    def child_task_locations(cls, raw: dict[str, Any]) -> list[Path]:
        """List where raw child task maps sit in a raw task map: lists of tasks or single tasks."""
        return []

    def child_entries(self) -> Iterator[ChildEntry]:
        """Yield every child task with its location and branch."""
        return iter(())

    def check(self) -> list[TaskProblem]:
        """Find problems that single properties cannot show, such as a cycle in a Dag."""
        return []

    def property_by_alias(self, alias: str) -> Any:
        for name, info in type(self).model_fields.items():
            if alias in (info.alias, name):
                return getattr(self, name)
        raise KeyError(alias)


class RunnableTask(Task):
    """A task that does work on a worker."""

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        """Run the task and return its outputs; raise TaskFailure to fail it."""
        raise NotImplementedError


class FlowableTask(Task):
    """A task that orders child tasks; its semantics run inside the executor, with no I/O."""

    errors: list[Task] | None = None
    finally_: list[Task] | None = Field(default=None, alias="finally")

    @classmethod
    def child_task_locations(cls, raw: dict[str, Any]) -> list[Path]:
        names = (*cls.child_task_fields, "errors", "finally")
        return [(name,) for name in names if isinstance(raw.get(name), list)]

    def child_entries(self) -> Iterator[ChildEntry]:
        for branch in (*self.child_task_fields, "errors", "finally"):
            for index, task in enumerate(self.property_by_alias(branch) or []):
                yield ChildEntry((branch, index), branch, task)

    def start(self, context: FlowableContext) -> Step:
        """Decide what to create when this task run starts."""
        raise NotImplementedError

    def on_child_end(self, context: FlowableContext) -> Step:
        """Decide what to create after one of the main-branch children ended without failing."""
        raise NotImplementedError

    def on_timer(self, context: FlowableContext) -> Step:
        """Decide what to do when a timer this task scheduled fires."""
        from lanner.executor.flowable import Step

        return Step()


class ExecutableTask(Task):
    """A task run by the executor itself that starts another execution (Subflow, ForEachItem)."""
