"""Sleep: wait for a duration on the worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from lanner.durations import InvalidDuration, parse_duration
from lanner.errors import TaskFailure
from lanner.tasks.base import RunnableTask
from lanner.tasks.properties import Duration
from lanner.worker.context import RunContext


class Sleep(RunnableTask):
    type_names = ("io.kestra.plugin.core.flow.Sleep", "io.kestra.core.tasks.flows.Sleep")

    duration: Duration

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        duration = self.duration
        if isinstance(duration, str):
            rendered = context.render_typed(duration, "duration")
            try:
                duration = (
                    rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
                )
            except InvalidDuration as error:
                raise TaskFailure(f"property 'duration' of task {self.id!r}: {error}") from None
        if duration < timedelta(0):
            raise TaskFailure(f"invalid duration {duration}: it must not be negative")
        await asyncio.sleep(duration.total_seconds())
        return None
