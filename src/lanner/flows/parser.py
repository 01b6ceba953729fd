"""Parse flow YAML into validated flows, collecting every problem with its location."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from lanner.errors import InvalidFlow, Problem
from lanner.flows.checks import check_flow
from lanner.flows.model import Flow, PluginDefault
from lanner.flows.plugin_defaults import apply_defaults
from lanner.flows.problems import problems_from_validation
from lanner.flows.yaml_source import Path, YamlDocument, load_documents
from lanner.tasks.base import Task
from lanner.tasks.invalid import InvalidTask
from lanner.tasks.registry import TaskRegistry, default_registry

logger = logging.getLogger(__name__)

FLOW_TASK_LISTS = ("tasks", "errors", "finally", "afterExecution")


@dataclass
class ParsedDocument:
    """One document of a YAML text: a valid flow, or the problems that prevent it."""

    source: str
    text: str
    flow: Flow | None = None
    problems: list[Problem] = field(default_factory=list)
    flow_id: str | None = None
    namespace: str | None = None
    # This document's own text, when the YAML text holds several flows.
    document_source: str = ""

    @property
    def valid(self) -> bool:
        return self.flow is not None and not self.problems

    def error(self) -> InvalidFlow:
        return InvalidFlow(problems=self.problems, source=self.source, flow_id=self.flow_id)


def parse_documents(
    text: str, source: str = "", registry: TaskRegistry | None = None
) -> list[ParsedDocument]:
    """Parse every `---`-separated flow of a YAML text."""
    registry = registry or default_registry()
    documents = load_documents(text)
    if not documents:
        return [ParsedDocument(source, text, problems=[Problem("the document is empty")])]
    return [_parse_document(document, source, registry) for document in documents]


def parse_flow(text: str, source: str = "", registry: TaskRegistry | None = None) -> Flow:
    """Parse a text holding exactly one flow; raise InvalidFlow listing every problem."""
    documents = parse_documents(text, source, registry)
    if len(documents) != 1:
        raise InvalidFlow(
            problems=[Problem(f"expected one flow, found {len(documents)} YAML documents")],
            source=source,
        )
    document = documents[0]
    if not document.valid or document.flow is None:
        raise document.error()
    return document.flow


def parse_paths(
    paths: list[FilePath], registry: TaskRegistry | None = None
) -> list[ParsedDocument]:
    """Parse flow files, and every *.yml / *.yaml file below the folders given."""
    results = []
    for path in _flow_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            results.append(
                ParsedDocument(str(path), "", problems=[Problem(f"cannot read the file: {error}")])
            )
            continue
        results += parse_documents(text, str(path), registry)
    return results


def _flow_files(paths: list[FilePath]) -> list[FilePath]:
    files: list[FilePath] = []
    for path in paths:
        if path.is_dir():
            files += sorted(child for child in path.rglob("*") if child.suffix in (".yml", ".yaml"))
        else:
            files.append(path)
    return files


def _parse_document(document: YamlDocument, source: str, registry: TaskRegistry) -> ParsedDocument:
    result = ParsedDocument(
        source, document.text, problems=list(document.problems), document_source=document.source
    )
    data = document.data
    if document.problems and data is None:
        return result
    if not isinstance(data, dict):
        result.problems.append(
            document.problem((), "a flow must be a YAML mapping with id, namespace and tasks")
        )
        return result
    result.flow_id = data.get("id") if isinstance(data.get("id"), str) else None
    result.namespace = data.get("namespace") if isinstance(data.get("namespace"), str) else None

    defaults = _plugin_defaults(data, document, result.problems)
    builder = TaskBuilder(registry, document, defaults, result.problems)
    raw = dict(data)
    for name in FLOW_TASK_LISTS:
        if isinstance(raw.get(name), list):
            raw[name] = builder.build_list(raw[name], (name,))
    if isinstance(raw.get("triggers"), list):
        raw["triggers"] = [
            apply_defaults(trigger, defaults, registry.names_of)
            if isinstance(trigger, dict)
            else trigger
            for trigger in raw["triggers"]
        ]

    try:
        flow = Flow.model_validate(raw)
    except ValidationError as error:
        result.problems += problems_from_validation(error, document, (), raw, Flow)
        return result

    result.problems += check_flow(flow, document)
    if not result.problems:
        result.flow = flow
    return result


def _plugin_defaults(
    data: dict[str, Any], document: YamlDocument, problems: list[Problem]
) -> list[PluginDefault]:
    defaults: list[PluginDefault] = []
    for key in ("pluginDefaults", "taskDefaults"):
        entries = data.get(key)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            try:
                defaults.append(PluginDefault.model_validate(entry))
            except ValidationError as error:
                problems += problems_from_validation(
                    error, document, (key, index), entry, PluginDefault
                )
    return defaults


class TaskBuilder:
    """Build task models bottom-up, so a problem in one task never hides another's."""

    def __init__(
        self,
        registry: TaskRegistry,
        document: YamlDocument,
        defaults: list[PluginDefault],
        problems: list[Problem],
    ) -> None:
        self.registry = registry
        self.document = document
        self.defaults = defaults
        self.problems = problems

    def build_list(self, raw_tasks: list[Any], path: Path) -> list[Any]:
        return [self.build(raw, (*path, index)) for index, raw in enumerate(raw_tasks)]

    def build(self, raw: Any, path: Path) -> Task:
        if not isinstance(raw, dict):
            self._problem(path, "a task must be a mapping with at least 'id' and 'type'")
            return InvalidTask.placeholder(path)
        type_name = raw.get("type")
        if not isinstance(type_name, str) or not type_name:
            self._problem(path, "missing required property 'type'")
            return InvalidTask.placeholder(path)
        task_class = self.registry.resolve(type_name)
        if task_class is None:
            suggestion = self.registry.suggest(type_name)
            hint = f"did you mean {suggestion!r}?" if suggestion else None
            self._problem((*path, "type", "<value>"), f"unknown task type {type_name!r}", hint)
            return InvalidTask.placeholder(path)

        raw = apply_defaults(raw, self.defaults, self.registry.names_of)
        prepared = dict(raw)
        for location in task_class.child_task_locations(raw):
            self._build_children(prepared, location, path)

        try:
            return task_class.model_validate(prepared)
        except ValidationError as error:
            self.problems += problems_from_validation(
                error, self.document, path, prepared, task_class
            )
            return InvalidTask.placeholder(path)

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

    def _problem(self, path: Path, message: str, hint: str | None = None) -> None:
        self.problems.append(self.document.problem(path, message, hint))


def model_problems(
    model: type[BaseModel], raw: Any, document: YamlDocument, path: Path
) -> list[Problem]:
    """Validate a raw map against a model, returning its problems (used for triggers)."""
    try:
        model.model_validate(raw)
    except ValidationError as error:
        return problems_from_validation(error, document, path, raw, model)
    return []
