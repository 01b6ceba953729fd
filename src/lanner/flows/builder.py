"""Build a flow's task and trigger models bottom-up, collecting every problem with its place.

Children are built before their parent, so a problem in one task never hides a problem in
another. A plugin that cannot be built is replaced by a placeholder, so that its parent and its
siblings are still checked. The parser never returns a flow that has a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from lanner.errors import Problem
from lanner.flows.plugin_defaults import Defaulted, LocatedDefault, apply_located_defaults
from lanner.flows.plugin_registry import PluginRegistry
from lanner.flows.problems import Issue, issue_path, validation_issues
from lanner.flows.yaml_source import Path, YamlDocument, format_path
from lanner.tasks.base import Task, TaskProblem
from lanner.tasks.invalid import InvalidTask
from lanner.tasks.registry import INTERNAL_TYPE_PREFIX, TaskRegistry
from lanner.triggers.base import Trigger

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class IdRecord:
    """An id written in the document, whether or not its task or trigger was valid."""

    id: str
    path: Path


class InvalidTrigger(Trigger):
    """A stand-in for a trigger that failed validation."""

    type_names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def placeholder(cls, path: Path) -> InvalidTrigger:
        # The id only needs to be unique among placeholders; it is never shown.
        return cls.model_construct(id=f"invalid-{format_path(path)}", type="<invalid>")


class _Builder:
    """The steps shared by task and trigger building: defaults, validation, problem places."""

    kind = "plugin"

    def __init__(
        self,
        document: YamlDocument,
        defaults: list[LocatedDefault],
        problems: list[Problem],
    ) -> None:
        self.document = document
        self.defaults = defaults
        self.problems = problems
        self.ids: list[IdRecord] = []
        # Problems already reported for a pluginDefaults value, which many plugins may share.
        self._default_problems: set[tuple[Path, str]] = set()

    def _record_id(self, raw: dict[str, Any], path: Path) -> None:
        if isinstance(raw.get("id"), str):
            self.ids.append(IdRecord(raw["id"], path))

    def _type_name(self, raw: Any, path: Path) -> str | None:
        if not isinstance(raw, dict):
            self._problem(
                path,
                f"a {self.kind} must be a mapping",
                f"write the {self.kind} as 'id: ...' and 'type: ...' lines",
            )
            return None
        self._record_id(raw, path)
        type_name = raw.get("type")
        if not isinstance(type_name, str) or not type_name:
            self._problem(
                path, "missing required property 'type'", f"add the {self.kind}'s full type name"
            )
            return None
        return type_name

    def _unknown_type(self, type_name: str, path: Path, suggestion: str | None) -> None:
        hint = (
            f"did you mean {suggestion!r}?"
            if suggestion
            else f"use a {self.kind} type Lanner has, written with its full name"
        )
        self._problem((*path, "type", "<value>"), f"unknown {self.kind} type {type_name!r}", hint)

    def _defaults(
        self,
        raw: dict[str, Any],
        plugin_class: type[BaseModel],
        names_of: Callable[[str], tuple[str, ...]],
    ) -> Defaulted:
        properties = _property_names(plugin_class)
        return apply_located_defaults(raw, self.defaults, names_of, properties)

    def _validate(
        self,
        plugin_class: type[Model],
        prepared: dict[str, Any],
        path: Path,
        defaulted: Defaulted,
    ) -> Model | None:
        try:
            return plugin_class.model_validate(prepared)
        except ValidationError as error:
            for issue in validation_issues(error, prepared, plugin_class):
                self._add_issue(issue, path, defaulted)
            return None

    def _add_issue(self, issue: Issue, path: Path, defaulted: Defaulted) -> None:
        key = issue.path[0] if issue.path else None
        origin = defaulted.origins.get(key) if isinstance(key, str) else None
        if origin is not None:
            # The value comes from pluginDefaults, so point there and name the plugin.
            where = issue_path((*origin, *issue.path[1:]), issue)
            if (where, issue.message) in self._default_problems:
                return
            self._default_problems.add((where, issue.message))
            message = f"{issue.message} (set by pluginDefaults for {format_path(path)})"
            self.problems.append(self.document.problem(where, message, issue.hint))
            return
        where = issue_path((*path, *issue.path), issue)
        self.problems.append(self.document.problem(where, issue.message, issue.hint))

    def _checks(self, problems: list[TaskProblem], path: Path) -> None:
        for problem in problems:
            hint = problem.hint or "correct the property"
            self._problem((*path, *problem.path), problem.message, hint)

    def _problem(self, path: Path, message: str, hint: str | None) -> None:
        self.problems.append(self.document.problem(path, message, hint))


class TaskBuilder(_Builder):
    """Build task models bottom-up, so a problem in one task never hides another's."""

    kind = "task"

    def __init__(
        self,
        registry: TaskRegistry,
        document: YamlDocument,
        defaults: list[LocatedDefault],
        problems: list[Problem],
    ) -> None:
        super().__init__(document, defaults, problems)
        self.registry = registry

    def build_list(self, raw_tasks: list[Any], path: Path) -> list[Any]:
        return [self.build(raw, (*path, index)) for index, raw in enumerate(raw_tasks)]

    def build(self, raw: Any, path: Path) -> Task:
        type_name = self._type_name(raw, path)
        if type_name is None:
            return InvalidTask.placeholder(path)
        # Internal task types are built by the executor, never written in a flow.
        internal = type_name.startswith(INTERNAL_TYPE_PREFIX)
        task_class = None if internal else self.registry.resolve(type_name)
        if task_class is None:
            self._unknown_type(type_name, path, self.registry.suggest(type_name))
            self._build_children_of_unknown(raw, path)
            return InvalidTask.placeholder(path)

        defaulted = self._defaults(raw, task_class, self.registry.names_of)
        prepared = dict(defaulted.raw)
        for location in task_class.child_task_locations(defaulted.raw):
            self._build_children(prepared, location, path)

        task = self._validate(task_class, prepared, path, defaulted)
        if task is None:
            return InvalidTask.placeholder(path)
        self._checks(task.check(), path)
        return task

    def _build_children_of_unknown(self, raw: dict[str, Any], path: Path) -> None:
        # Check the children of a task of unknown type too, when they sit where they usually do.
        for name in ("tasks", "errors", "finally", "then", "else"):
            if isinstance(raw.get(name), list):
                self.build_list(raw[name], (*path, name))

    def _build_children(self, prepared: dict[str, Any], location: Path, path: Path) -> None:
        # Replace the raw child task maps found at `location` by built tasks, copying each
        # container on the way so that the raw document stays untouched.
        container: Any = prepared
        for part in location[:-1]:
            child = container[part]
            copied = dict(child) if isinstance(child, dict) else list(child)
            container[part] = copied
            container = copied
        last = location[-1]
        value = container[last]
        if isinstance(value, list):
            container[last] = self.build_list(value, (*path, *location))
        elif isinstance(value, dict):
            container[last] = self.build(value, (*path, *location))


class TriggerBuilder(_Builder):
    """Build trigger models, each with its conditions, from the raw `triggers` list."""

    kind = "trigger"

    def __init__(
        self,
        registry: PluginRegistry[Trigger],
        document: YamlDocument,
        defaults: list[LocatedDefault],
        problems: list[Problem],
    ) -> None:
        super().__init__(document, defaults, problems)
        self.registry = registry

    def build_list(self, raw_triggers: list[Any], path: Path) -> list[Trigger]:
        return [self.build(raw, (*path, index)) for index, raw in enumerate(raw_triggers)]

    def build(self, raw: Any, path: Path) -> Trigger:
        type_name = self._type_name(raw, path)
        if type_name is None:
            return InvalidTrigger.placeholder(path)
        trigger_class = self.registry.resolve(type_name)
        if trigger_class is None:
            self._unknown_type(type_name, path, self.registry.suggest(type_name))
            return InvalidTrigger.placeholder(path)
        defaulted = self._defaults(raw, trigger_class, self.registry.names_of)
        trigger = self._validate(trigger_class, dict(defaulted.raw), path, defaulted)
        if trigger is None:
            return InvalidTrigger.placeholder(path)
        self._checks(trigger.check(), path)
        return trigger


def _property_names(model: type[BaseModel]) -> Collection[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
        choices = getattr(info.validation_alias, "choices", None)
        names.update(choice for choice in choices or () if isinstance(choice, str))
    return names
