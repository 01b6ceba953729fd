"""OutputValues and Return: tasks whose only work is to produce outputs."""

from __future__ import annotations

from typing import Any

from lanner.tasks.base import RunnableTask
from lanner.worker.context import RunContext


class OutputValues(RunnableTask):
    """Expose rendered values as `outputs.<task>.values`; every text is rendered as text."""

    type_names = (
        "io.kestra.plugin.core.output.OutputValues",
        "io.kestra.core.tasks.outputs.OutputValues",
    )

    values: dict[str, Any] | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        return {"values": context.render_value(self.values or {}, "values")}


class Return(RunnableTask):
    """Render `format` into `outputs.<task>.value`."""

    type_names = ("io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return")

    format: str | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        value = context.render(self.format, "format") if self.format is not None else None
        return {"value": value}
