"""Log: write a message to the task run's logs."""

from __future__ import annotations

from typing import Any

from lanner.tasks.base import LogLevel, RunnableTask
from lanner.worker.context import RunContext


class Log(RunnableTask):
    type_names = ("io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log")

    message: str | list[str]
    level: LogLevel = LogLevel.INFO

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        messages = self.message if isinstance(self.message, list) else [self.message]
        for message in messages:
            context.logger.log(self.level.value, context.render(message, "message"))
        return None


class Echo(RunnableTask):
    """The older form of Log, with the message in `format`."""

    type_names = ("io.kestra.plugin.core.debug.Echo", "io.kestra.core.tasks.debugs.Echo")

    format: str
    level: LogLevel = LogLevel.INFO

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        context.logger.log(self.level.value, context.render(self.format, "format"))
        return None
