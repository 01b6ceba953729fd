"""The worker side of WorkingDirectory: its children run in one job, in one directory.

The executor hands a WorkingDirectory task run to one worker as one job. `run_working_directory`
creates the working directory, restores the cache and copies namespace files and `inputFiles`
into it. Then it runs the `tasks` one after the other and stops at the first failure. After
them come `errors`, when something failed, and `finally`. Each child honours its own `runIf`,
`timeout`, `allowFailure` and `allowWarning`. At the end, `outputFiles` are stored and the cache
is saved.

Contract with the executor: each child gets a task run id made here (`lanner.ids.new_id`) and
logs under that id. The children are collected in `RunContext.children`, in run order, each
`{"id", "taskId", "state", "outputs", "startDate", "endDate", "metrics"}`, and the worker puts
that list in the job's result payload as `children`. A child running when the job is cancelled
is reported KILLED. The WorkingDirectory's own outputs are `outputFiles`, when that property is
set.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lanner.durations import format_duration, parse_duration
from lanner.errors import LannerError, TaskFailure
from lanner.expressions import is_truthy
from lanner.ids import new_id
from lanner.states import State
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.flow.working_directory_cache import restore_cache, save_cache
from lanner.tasks.scripts.input_files import load_namespace_files, write_input_files
from lanner.tasks.scripts.output_files import rendered_patterns, store_output_files
from lanner.tasks.scripts.working_dir import fresh_working_directory
from lanner.timestamps import format_timestamp, utc_now
from lanner.worker.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.flow.working_directory import WorkingDirectory

logger = logging.getLogger(__name__)


class WorkingDirectoryFailure(TaskFailure):
    """A child of a WorkingDirectory failed; the WorkingDirectory keeps its outputs."""

    def __init__(self, message: str, outputs: dict[str, Any] | None) -> None:
        super().__init__(message)
        self.outputs = outputs


@dataclass
class ChildRun:
    """One child task run, as the result payload reports it."""

    id: str
    task_id: str
    start_date: datetime
    state: State = State.RUNNING
    outputs: dict[str, Any] | None = None
    end_date: datetime | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "taskId": self.task_id,
            "state": self.state.value,
            "outputs": self.outputs,
            "startDate": format_timestamp(self.start_date),
            "endDate": format_timestamp(self.end_date or utc_now()),
            "metrics": self.metrics,
        }


async def run_working_directory(
    task: WorkingDirectory, context: RunContext
) -> dict[str, Any] | None:
    """Run the WorkingDirectory's branches in one fresh directory; return its outputs."""
    context.children = []
    async with fresh_working_directory(task.id) as directory:
        shared = context.with_variables(
            workingDir=str(directory), outputs=dict(context.variables.get("outputs") or {})
        )
        shared.working_dir = directory
        restored_at = await restore_cache(shared, task, directory)
        await load_namespace_files(shared, directory, task.namespace_files, "namespaceFiles")
        await write_input_files(shared, directory, task.input_files)
        patterns = rendered_patterns(shared, task.output_files, "outputFiles")

        branches = _Branches(shared)
        failed = await branches.run(task.tasks)
        if failed and task.errors:
            await branches.run(task.errors)
        if task.finally_:
            failed = await branches.run(task.finally_) or failed

        files = await store_output_files(shared, directory, patterns)
        await save_cache(shared, task, directory, restored_at)
    outputs = {"outputFiles": files} if task.output_files is not None else None
    if failed:
        raise WorkingDirectoryFailure(
            f"task {task.id!r}: child task {branches.failed_task!r} failed", outputs
        )
    if any(child.state is State.WARNING for child in branches.runs):
        context.warning = True
    return outputs


class _Branches:
    """Runs lists of child tasks and records every child run in the shared context."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.runs: list[ChildRun] = []
        self.failed_task: str | None = None

    async def run(self, tasks: list[Task]) -> bool:
        """Run `tasks` in order until one fails; return True when one did."""
        for task in tasks:
            if task.disabled:
                continue
            child = await self._run_child(task)
            if child.state is State.FAILED:
                self.failed_task = self.failed_task or task.id
                return True
        return False

    async def _run_child(self, task: Task) -> ChildRun:
        child = ChildRun(new_id(), task.id, utc_now())
        self.runs.append(child)
        assert self.context.children is not None
        context = self.context.for_child(
            task.id,
            task.type,
            child.id,
            format_timestamp(child.start_date),
            task.log_level.value if task.log_level else "TRACE",
        )
        try:
            state, outputs = await self._attempt(task, context)
        except asyncio.CancelledError:
            # The WorkingDirectory was killed, timed out or handed back: so is its child.
            self._end(child, State.KILLED, None, context)
            raise
        if task.allow_failure and state is State.FAILED:
            state = State.WARNING
        if task.allow_warning and state is State.WARNING:
            state = State.SUCCESS
        self._end(child, state, outputs, context)
        if outputs is not None:
            self.context.variables["outputs"][task.id] = outputs
        return child

    async def _attempt(
        self, task: Task, context: RunContext
    ) -> tuple[State, dict[str, Any] | None]:
        """Run one child; return its state and outputs. Failures are logged, not raised."""
        try:
            if not _should_run(task, context):
                return State.SKIPPED, None
            if not isinstance(task, RunnableTask):
                raise LannerError(
                    f"task {task.id!r} is a flowable task, which cannot run inside a "
                    "WorkingDirectory"
                )
            outputs = await _with_timeout(task, context)
        except TimeoutError:
            context.logger.error(f"task {task.id!r} timed out after {_timeout_text(task)}")
            return State.FAILED, None
        except LannerError as error:
            context.logger.error(str(error))
            return State.FAILED, getattr(error, "outputs", None)
        except Exception as error:
            logger.exception(
                "Task %s inside a WorkingDirectory raised an unexpected error", task.id
            )
            context.logger.error(
                f"task {task.id!r} failed with an unexpected error: {type(error).__name__}: {error}"
            )
            return State.FAILED, None
        return (State.WARNING if context.warning else State.SUCCESS), outputs

    def _end(
        self,
        child: ChildRun,
        state: State,
        outputs: dict[str, Any] | None,
        context: RunContext,
    ) -> None:
        child.state = state
        child.outputs = outputs
        child.end_date = utc_now()
        child.metrics = list(context.metrics)
        assert self.context.children is not None
        self.context.children.append(child.to_payload())


def _should_run(task: Task, context: RunContext) -> bool:
    condition = task.run_if
    if isinstance(condition, bool):
        return condition
    return is_truthy(context.render_typed(condition, "runIf"))


async def _with_timeout(task: RunnableTask, context: RunContext) -> dict[str, Any] | None:
    timeout = task.timeout
    if isinstance(timeout, str):
        rendered = context.render_typed(timeout, "timeout")
        timeout = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
    if timeout is None:
        return await task.run(context)
    return await asyncio.wait_for(task.run(context), timeout.total_seconds())


def _timeout_text(task: Task) -> str:
    return format_duration(task.timeout) if isinstance(task.timeout, timedelta) else "its timeout"


__all__ = ["ChildRun", "WorkingDirectoryFailure", "run_working_directory"]
