"""What a runnable task sees while it runs: rendering, logging, internal storage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanner.errors import ExpressionError
from lanner.expressions import RenderServices, render, render_typed, render_value
from lanner.storage import Storage, execution_file_key, uri_from_key
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)

# What a SECRET value is replaced with in logs.
MASK = "******"

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


@dataclass
class TaskLogRecord:
    level: str
    message: str
    timestamp: datetime


class TaskLogger:
    """Sends a task run's log lines to the `logs` table through the worker's log buffer."""

    def __init__(
        self,
        sink: Callable[[TaskLogRecord], None],
        min_level: str = "TRACE",
        secrets: list[str] | None = None,
    ) -> None:
        self._sink = sink
        self._min = LEVELS.index(min_level) if min_level in LEVELS else 0
        # Values never written in clear: decrypted SECRET inputs.
        self.secrets = sorted(secrets or [], key=len, reverse=True)

    def log(self, level: str, message: str) -> None:
        level = "WARN" if level == "WARNING" else level
        if LEVELS.index(level) >= self._min:
            for secret in self.secrets:
                message = message.replace(secret, MASK)
            self._sink(TaskLogRecord(level, message, utc_now()))

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
    ) -> None:
        self.variables = variables
        self.logger = logger
        self.storage = storage
        self.services = services
        self._property_prefix = property_prefix

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
