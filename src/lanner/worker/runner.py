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
from lanner.backend.kv import SyncKvReader
from lanner.backend.store import Backend
from lanner.durations import InvalidDuration, format_duration, parse_duration
from lanner.errors import LannerError, TaskFailure
from lanner.executions.control import ExecutionControls
from lanner.expressions import RenderServices
from lanner.flows.cache import FlowCache
from lanner.kv import KvStore
from lanner.kv.references import kv_references, template_texts
from lanner.kv.rendering import KvServices, KvSnapshot
from lanner.namespace_files import NamespaceFileDownloader
from lanner.namespace_files.reading import ReadServices
from lanner.secrets import SecretServices, SecretValues, mask_value
from lanner.states import State
from lanner.storage import Storage
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.flow.working_directory import WorkingDirectory
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
        task = self._build(payload["task"])
        self._tasks[key] = task
        if len(self._tasks) > self.size:
            self._tasks.popitem(last=False)
        return task

    def _build(self, raw: dict[str, Any]) -> Task:
        """Build a task from its JSON form, its child tasks first (a WorkingDirectory's)."""
        task_class = self.registry.resolve(str(raw.get("type")))
        if task_class is None:
            raise LannerError(f"task type {raw.get('type')!r} is not installed on this worker")
        prepared = dict(raw)
        for location in task_class.child_task_locations(raw):
            _replace_children(prepared, location, self._build)
        try:
            return task_class.model_validate(prepared)
        except ValidationError as error:
            raise LannerError(f"invalid task {raw.get('id')!r}: {error}") from error


class JobRunner:
    """Runs claimed jobs; cancellation of `run` propagates to the caller."""

    def __init__(
        self,
        tasks: TaskCache,
        storage: Storage,
        services: RenderServices | None,
        encryption_key: str | None,
        worker_id: Callable[[], str],
        backend: Backend | None = None,
        kv_reader: SyncKvReader | None = None,
        namespace_file_downloader: NamespaceFileDownloader | None = None,
    ) -> None:
        self.tasks = tasks
        # One per worker process: it owns the instance-wide download limit and the cache.
        self.namespace_file_downloader = namespace_file_downloader or NamespaceFileDownloader(
            storage
        )
        self.storage = storage
        # Render services for every job; None builds each task run's own (read, kv, secret).
        self.services = services
        self.encryption_key = encryption_key
        self.worker_id = worker_id
        self.backend = backend
        self.kv = KvStore(backend) if backend is not None else None
        self.controls = (
            ExecutionControls(backend, FlowCache(backend.flows), storage, encryption_key)
            if backend is not None
            else None
        )
        self.kv_reader = kv_reader

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
        # Secrets read by secret() are masked in every line of the job, its children's too.
        read_secrets = SecretValues()
        sink = _masking(sink, read_secrets)
        task_logger = TaskLogger(sink)
        state = State.SUCCESS
        outputs: dict[str, Any] | None = None
        context: RunContext | None = None
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
                services=self.services or await self._services(payload, variables, read_secrets),
                kv=self.kv,
                controls=self.controls,
                namespace_file_downloader=self.namespace_file_downloader,
            )
            outputs = await self._execute(task, context)
            if context.warning:
                state = State.WARNING
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
            # A failed script keeps its outputs (exitCode, vars, outputFiles), as in Kestra.
            outputs = getattr(error, "outputs", None)
            task_logger.error(str(error))
        except InvalidDuration as error:
            # A rendered property that is not a duration: the user's value, not a Lanner bug.
            state = State.FAILED
            task_logger.error(f"task {task_id!r}: {error}")
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
            "outputs": (
                mask_value(_json_safe(outputs), read_secrets.values)
                if outputs is not None
                else None
            ),
            "startDate": format_timestamp(start),
            "endDate": format_timestamp(utc_now()),
            "workerId": self.worker_id(),
            **_masked_children(_collected(context), read_secrets),
        }

    async def _services(
        self, payload: dict[str, Any], variables: dict[str, Any], read_secrets: SecretValues
    ) -> RenderServices:
        """Build the task run's render services: read(), then kv(), then secret()."""
        secrets = SecretServices(on_read=read_secrets.add)
        namespace = str(payload["flow"]["namespace"])
        if self.backend is None:
            kv_services = KvServices(KvSnapshot(self.kv_reader), namespace, secrets)
        else:
            texts = [*template_texts(payload.get("task")), *template_texts(variables.get("vars"))]
            snapshot = await KvSnapshot.prefetch(
                self.backend, kv_references(texts), namespace, self.kv_reader
            )
            kv_services = KvServices(snapshot, namespace, secrets)
        return ReadServices.for_task_run(self.storage, variables, fallback=kv_services)

    async def _execute(self, task: Task, context: RunContext) -> dict[str, Any] | None:
        # Runnable tasks run on workers, and so does a WorkingDirectory: the executor hands it
        # to one worker as one job, which runs its children in one shared directory.
        if not isinstance(task, RunnableTask | WorkingDirectory):
            raise LannerError(f"task type {task.type!r} cannot run on a worker")
        timeout = task.timeout
        if isinstance(timeout, str):
            rendered = context.render_typed(timeout, "timeout")
            timeout = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
        if timeout is None:
            return await task.run(context)
        return await asyncio.wait_for(task.run(context), timeout.total_seconds())


def _collected(context: RunContext | None) -> dict[str, Any]:
    """Return what a task run collected besides outputs, for the result payload.

    `metrics` is the attempt's metric entries. `children` is present for a WorkingDirectory
    only: its child task runs in run order, each `{"id", "taskId", "state", "outputs",
    "startDate", "endDate", "metrics"}` (see `lanner.tasks.flow.working_directory_run`).
    """
    if context is None:
        return {"metrics": []}
    collected: dict[str, Any] = {"metrics": _json_safe(context.metrics)}
    if context.children is not None:
        collected["children"] = _json_safe(context.children)
    return collected


def _replace_children(
    prepared: dict[str, Any], location: tuple[str | int, ...], build: Callable[[Any], Task]
) -> None:
    """Replace the raw child tasks at `location` in `prepared` by built ones, copying on the way."""
    container: Any = prepared
    for part in location[:-1]:
        child = container[part]
        copied = dict(child) if isinstance(child, dict) else list(child)
        container[part] = copied
        container = copied
    value = container[location[-1]]
    if isinstance(value, list):
        container[location[-1]] = [build(item) for item in value]
    elif isinstance(value, dict):
        container[location[-1]] = build(value)


def _masked_children(collected: dict[str, Any], secrets: SecretValues) -> dict[str, Any]:
    """Mask the secrets a job read in the outputs of its child task runs."""
    for child in collected.get("children") or []:
        if child.get("outputs") is not None:
            child["outputs"] = mask_value(child["outputs"], secrets.values)
    return collected


def _masking(
    sink: Callable[[TaskLogRecord], None], secrets: SecretValues
) -> Callable[[TaskLogRecord], None]:
    def masked(record: TaskLogRecord) -> None:
        record.message = secrets.mask(record.message)
        sink(record)

    return masked


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
