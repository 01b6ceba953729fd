"""Running one worker job: build the task and its context, run it, report the outcome."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from lanner.backend.jobs import ClaimedJob
from lanner.durations import format_duration, parse_duration
from lanner.errors import LannerError, TaskFailure
from lanner.expressions import RenderServices
from lanner.states import State
from lanner.storage import Storage
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.registry import TaskRegistry
from lanner.timestamps import format_timestamp, utc_now
from lanner.worker.context import RunContext, TaskLogger, TaskLogRecord
from lanner.worker.secrets import reveal_secret_inputs

logger = logging.getLogger(__name__)


class TaskCache:
    """Task models by flow revision and task id: a revision never changes once stored."""

    def __init__(self, registry: TaskRegistry, size: int = 1024) -> None:
        self.registry = registry
        self.size = size
        self._tasks: OrderedDict[tuple[str, str, int, str], Task] = OrderedDict()

    def get(self, payload: dict[str, Any]) -> Task:
        flow = payload["flow"]
        key = (flow["namespace"], flow["id"], int(flow["revision"]), str(payload["taskId"]))
        task = self._tasks.get(key)
        if task is not None:
            self._tasks.move_to_end(key)
            return task
        raw = payload["task"]
        task_class = self.registry.resolve(str(raw.get("type")))
        if task_class is None:
            raise LannerError(f"task type {raw.get('type')!r} is not installed on this worker")
        try:
            task = task_class.model_validate(raw)
        except ValidationError as error:
            raise LannerError(f"invalid task {raw.get('id')!r}: {error}") from error
        self._tasks[key] = task
        if len(self._tasks) > self.size:
            self._tasks.popitem(last=False)
        return task


class JobRunner:
    """Runs claimed jobs; cancellation of `run` propagates to the caller."""

    def __init__(
        self,
        tasks: TaskCache,
        storage: Storage,
        services: RenderServices | None,
        encryption_key: str | None,
        worker_id: Callable[[], str],
    ) -> None:
        self.tasks = tasks
        self.storage = storage
        self.services = services
        self.encryption_key = encryption_key
        self.worker_id = worker_id

    async def run(
        self,
        job: ClaimedJob,
        sink: Callable[[TaskLogRecord], None],
        on_killed: Callable[[], bool],
    ) -> dict[str, Any]:
        """Run a job and return its result payload.

        `on_killed` is asked when the run is cancelled: True means the execution is being
        killed (the result is KILLED); False re-raises the cancellation.
        """
        start = utc_now()
        payload = job.payload
        task_id = str(payload.get("taskId", "?"))
        task_logger = TaskLogger(sink)
        state = State.SUCCESS
        outputs: dict[str, Any] | None = None
        try:
            task = self.tasks.get(payload)
            variables, secrets = reveal_secret_inputs(
                payload["context"], payload.get("secretInputs") or [], self.encryption_key
            )
            level = task.log_level.value if task.log_level else "TRACE"
            task_logger = TaskLogger(sink, level, secrets)
            context = RunContext(
                variables=variables,
                logger=task_logger,
                storage=self.storage,
                services=self.services,
            )
            outputs = await self._execute(task, context)
        except TimeoutError:
            state = State.FAILED
            task_logger.error(f"task {task_id!r} timed out after {_timeout_text(payload)}")
        except asyncio.CancelledError:
            if not on_killed():
                raise
            state = State.KILLED
            task_logger.warn(f"task {task_id!r} was killed")
        except (TaskFailure, LannerError) as error:
            state = State.FAILED
            task_logger.error(str(error))
        except Exception as error:
            state = State.FAILED
            logger.exception(
                "Task %s of execution %s raised an unexpected error",
                task_id,
                job.execution_id,
                extra={"execution_id": job.execution_id},
            )
            task_logger.error(
                f"task {task_id!r} failed with an unexpected error: {type(error).__name__}: {error}"
            )
        return {
            "taskRunId": job.task_run_id,
            "attempt": job.attempt,
            "state": state.value,
            "outputs": _json_safe(outputs) if outputs is not None else None,
            "startDate": format_timestamp(start),
            "endDate": format_timestamp(utc_now()),
            "workerId": self.worker_id(),
        }

    async def _execute(self, task: Task, context: RunContext) -> dict[str, Any] | None:
        if not isinstance(task, RunnableTask):
            raise LannerError(f"task type {task.type!r} cannot run on a worker")
        timeout = task.timeout
        if isinstance(timeout, str):
            rendered = context.render_typed(timeout, "timeout")
            timeout = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
        if timeout is None:
            return await task.run(context)
        return await asyncio.wait_for(task.run(context), timeout.total_seconds())


def _timeout_text(payload: dict[str, Any]) -> str:
    timeout = payload.get("task", {}).get("timeout")
    if isinstance(timeout, str):
        return timeout
    if isinstance(timeout, (int, float)):
        return format_duration(timedelta(seconds=timeout))
    return "its timeout"


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
