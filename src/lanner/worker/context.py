"""What a runnable task sees while it runs: rendering, logging, internal storage."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.durations import format_duration
from lanner.errors import ExpressionError
from lanner.expressions import RenderServices, render, render_typed, render_value
from lanner.secrets import MASK
from lanner.storage import Storage, execution_file_key, uri_from_key
from lanner.timestamps import utc_now

if TYPE_CHECKING:
    from lanner.executions.control import ExecutionControls
    from lanner.kv import KvStore
    from lanner.namespace_files import NamespaceFileDownloader

logger = logging.getLogger(__name__)

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


@dataclass
class TaskLogRecord:
    level: str
    message: str
    timestamp: datetime
    # The task run the line belongs to when it is not the worker job's own: a child task run
    # of a WorkingDirectory, which runs inside its parent's job. None means the job's.
    task_run_id: str | None = None
    task_id: str | None = None
    attempt: int | None = None


@dataclass(frozen=True)
class LogOwner:
    """The task run that log lines are written for, when it is not the worker job's own."""

    task_run_id: str
    task_id: str
    attempt: int = 1


class TaskLogger:
    """Sends a task run's log lines to the `logs` table through the worker's log buffer."""

    def __init__(
        self,
        sink: Callable[[TaskLogRecord], None],
        min_level: str = "TRACE",
        secrets: list[str] | None = None,
        owner: LogOwner | None = None,
    ) -> None:
        self._sink = sink
        self._min = LEVELS.index(min_level) if min_level in LEVELS else 0
        # Values never written in clear: decrypted SECRET inputs.
        self.secrets = sorted(secrets or [], key=len, reverse=True)
        self.owner = owner

    def log(self, level: str, message: str) -> None:
        level = "WARN" if level == "WARNING" else level
        if LEVELS.index(level) >= self._min:
            for secret in self.secrets:
                message = message.replace(secret, MASK)
            record = TaskLogRecord(level, message, utc_now())
            if self.owner is not None:
                record.task_run_id = self.owner.task_run_id
                record.task_id = self.owner.task_id
                record.attempt = self.owner.attempt
            self._sink(record)

    def for_child(self, owner: LogOwner, min_level: str = "TRACE") -> TaskLogger:
        """Return a logger writing to the same sink for a child task run, secrets still masked."""
        return TaskLogger(self._sink, min_level, self.secrets, owner)

    def trace(self, message: str) -> None:
        self.log("TRACE", message)

    def debug(self, message: str) -> None:
        self.log("DEBUG", message)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)


class RunContext:
    """One attempt of one task run on a worker."""

    def __init__(
        self,
        *,
        variables: dict[str, Any],
        logger: TaskLogger,
        storage: Storage,
        services: RenderServices | None = None,
        property_prefix: str = "",
        namespace_file_downloader: NamespaceFileDownloader | None = None,
        working_dir: Path | None = None,
        kv: KvStore | None = None,
        controls: ExecutionControls | None = None,
    ) -> None:
        self.variables = variables
        self.logger = logger
        self.storage = storage
        self.services = services
        # The KV store for the kv tasks; None where no database is reachable.
        self.kv = kv
        # Acting on executions (the Resume task); None where no database is reachable.
        self.controls = controls
        self._property_prefix = property_prefix
        # Shared by every task of the worker process: it owns the download limits and cache.
        self.namespace_file_downloader = namespace_file_downloader
        # The working directory a WorkingDirectory task shares with its children; None means a
        # script task creates a fresh one for its attempt.
        self.working_dir = working_dir
        # Metric entries in Kestra's shape, stored in the attempt's `metrics`.
        self.metrics: list[dict[str, Any]] = []
        # Set by a task that ends in WARNING instead of SUCCESS.
        self.warning = False
        # The child task runs a WorkingDirectory ran, in run order; None for other tasks.
        self.children: list[dict[str, Any]] | None = None

    @property
    def task_id(self) -> str:
        return str(self.variables["task"]["id"])

    @property
    def task_run_id(self) -> str:
        return str(self.variables["taskrun"]["id"])

    @property
    def execution_id(self) -> str:
        return str(self.variables["execution"]["id"])

    @property
    def namespace(self) -> str:
        return str(self.variables["flow"]["namespace"])

    @property
    def flow_id(self) -> str:
        return str(self.variables["flow"]["id"])

    def render(self, text: str, property_name: str = "") -> str:
        """Render a text property, naming the property and the task when it fails."""
        try:
            return render(text, self.variables, self.services)
        except ExpressionError as error:
            raise self._located(error, property_name) from error

    def render_value(self, value: Any, property_name: str = "") -> Any:
        try:
            return render_value(value, self.variables, self.services)
        except ExpressionError as error:
            raise self._located(error, property_name) from error

    def render_typed(self, value: Any, property_name: str = "") -> Any:
        try:
            return render_typed(value, self.variables, self.services)
        except ExpressionError as error:
            raise self._located(error, property_name) from error

    def with_variables(self, **values: Any) -> RunContext:
        """Return a context that renders with extra variables, such as `workingDir`."""
        derived = copy.copy(self)
        derived.variables = {**self.variables, **values}
        return derived

    def for_child(
        self,
        task_id: str,
        task_type: str,
        task_run_id: str,
        start_date: str,
        min_level: str = "TRACE",
    ) -> RunContext:
        """Return the context of a child task run of a WorkingDirectory, run in this job.

        The child renders with its own `task` and `taskrun`, its parent's task run first in
        `parents`, logs under its own task run id and shares the working directory. It shares
        this context's `outputs` map too, so outputs added there reach later children. Its
        metrics are its own.
        """
        parent_run = self.variables.get("taskrun") or {}
        parent = {"taskrun": parent_run, "outputs": {}}
        variables = {
            **self.variables,
            "task": {"id": task_id, "type": task_type},
            "taskrun": {
                "id": task_run_id,
                "startDate": start_date,
                "attemptsCount": 0,
                "parentId": parent_run.get("id"),
                "taskId": task_id,
            },
            "parents": [parent, *(self.variables.get("parents") or [])],
            "parent": parent,
        }
        owner = LogOwner(task_run_id, task_id)
        return RunContext(
            variables=variables,
            logger=self.logger.for_child(owner, min_level),
            storage=self.storage,
            services=self.services,
            namespace_file_downloader=self.namespace_file_downloader,
            working_dir=self.working_dir,
            kv=self.kv,
        )

    def add_metric(
        self,
        kind: str,
        name: str,
        value: float | timedelta,
        tags: dict[str, str] | None = None,
    ) -> None:
        """Record a metric: a counter or gauge value, or a timer duration (stored as ISO-8601)."""
        stored: Any = format_duration(value) if isinstance(value, timedelta) else float(value)
        self.metrics.append({"name": name, "type": kind, "value": stored, "tags": tags or {}})

    def _located(self, error: ExpressionError, property_name: str) -> ExpressionError:
        where = (
            f"property {property_name!r} of task {self.task_id!r}"
            if property_name
            else (f"task {self.task_id!r}")
        )
        return ExpressionError(f"{where}: {error}")

    async def put_file(self, name: str, data: bytes) -> str:
        """Store an output file of this task run and return its kestra:// URI."""
        key = execution_file_key(
            self.namespace,
            self.flow_id,
            self.execution_id,
            "tasks",
            self.task_id,
            self.task_run_id,
            name,
        )
        await self.storage.put(key, data)
        return uri_from_key(key)
