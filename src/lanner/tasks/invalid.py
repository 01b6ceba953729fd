"""A stand-in for a task that failed validation, so its siblings can still be checked."""

from __future__ import annotations

from lanner.flows.yaml_source import Path, format_path
from lanner.tasks.base import Task


class InvalidTask(Task):
    type_names = ()

    @classmethod
    def placeholder(cls, path: Path) -> InvalidTask:
        # The id only needs to be unique among placeholders; it is never shown.
        return cls.model_construct(id=f"invalid-{format_path(path)}", type="<invalid>")
