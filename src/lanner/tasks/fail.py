"""Fail: fail the task run, always or when a condition is true."""

from __future__ import annotations

from typing import Any

from lanner.errors import TaskFailure
from lanner.expressions import is_truthy
from lanner.tasks.base import RunnableTask
from lanner.worker.context import RunContext


class Fail(RunnableTask):
    type_names = (
        "io.kestra.plugin.core.execution.Fail",
        "io.kestra.core.tasks.executions.Fail",
    )

    condition: str | bool | None = None
    error_message: str = "Task failure"

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        condition = self.condition
        if condition is not None and not is_truthy(context.render_typed(condition, "condition")):
            return None
        raise TaskFailure(context.render(self.error_message, "errorMessage"))
