"""Task types by name, including Kestra's older names and plugins added through entry points."""

from __future__ import annotations

import difflib
import functools
import logging
from collections.abc import Iterable
from importlib.metadata import entry_points

from lanner.tasks.base import Task

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lanner.tasks"
# Task types the executor builds for its own steps; a flow cannot name them.
INTERNAL_TYPE_PREFIX = "lanner.internal."


class TaskRegistry:
    """Maps every accepted type name to its task class."""

    def __init__(self, task_types: Iterable[type[Task]] = ()) -> None:
        self._classes: dict[str, type[Task]] = {}
        for task_type in task_types:
            self.register(task_type)

    def register(self, task_type: type[Task]) -> None:
        if not task_type.type_names:
            raise ValueError(f"{task_type.__name__} declares no type_names")
        for name in task_type.type_names:
            existing = self._classes.get(name)
            if existing is not None and existing is not task_type:
                raise ValueError(
                    f"task type {name!r} is registered twice: {existing.__name__} and "
                    f"{task_type.__name__}"
                )
            self._classes[name] = task_type

    def resolve(self, type_name: str) -> type[Task] | None:
        return self._classes.get(type_name)

    def canonical(self, type_name: str) -> str:
        """Return the current name of a type, given any of its names."""
        task_type = self._classes.get(type_name)
        return task_type.type_names[0] if task_type else type_name

    def names_of(self, type_name: str) -> tuple[str, ...]:
        task_type = self._classes.get(type_name)
        return task_type.type_names if task_type else (type_name,)

    def suggest(self, type_name: str) -> str | None:
        """Find the closest known type name, for a "did you mean" hint."""
        names = sorted(name for name in self._classes if not name.startswith(INTERNAL_TYPE_PREFIX))
        matches = difflib.get_close_matches(type_name, names, n=1, cutoff=0.6)
        if matches:
            return matches[0]
        # A short name such as "Log" or a wrong package: compare the last segment only.
        short = type_name.rsplit(".", 1)[-1].lower()
        for name in names:
            if name.rsplit(".", 1)[-1].lower() == short and name.startswith("io.kestra.plugin"):
                return name
        return None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._classes


@functools.cache
def default_registry() -> TaskRegistry:
    """Build the registry from every installed `lanner.tasks` entry point."""
    registry = TaskRegistry()
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        provider = entry_point.load()
        for task_type in provider():
            registry.register(task_type)
        logger.debug("Loaded task types from entry point %s", entry_point.name)
    if not any(True for _ in registry._classes):
        # Running from a source tree that was never installed: fall back to the core tasks.
        from lanner.tasks import core_task_types

        for task_type in core_task_types():
            registry.register(task_type)
    return registry
