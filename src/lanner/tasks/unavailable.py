"""Runnable tasks whose model is complete but whose work Lanner does not do yet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.tasks.base import RunnableTask

if TYPE_CHECKING:
    from lanner.worker.context import RunContext


class UnavailableTask(RunnableTask):
    """A runnable task that validates in flows but fails when it runs, naming itself."""

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        name = self.type_names[0].rsplit(".", 1)[-1] if self.type_names else self.type
        raise LannerError(f"task {self.id!r}: {name} is not available yet in Lanner")
