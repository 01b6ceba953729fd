"""Parse flow YAML into validated flows, collecting every problem with its location."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from lanner.errors import InvalidFlow, Problem
from lanner.flows.builder import TaskBuilder, TriggerBuilder
from lanner.flows.checks import (
    check_flow,
    check_flow_inputs,
    check_system_labels,
    check_unique_ids,
)
from lanner.flows.inputs import AnyInput, Input
from lanner.flows.model import Flow, PluginDefault
from lanner.flows.plugin_defaults import LocatedDefault
from lanner.flows.problems import problems_from_validation
from lanner.flows.yaml_source import Path, YamlDocument, load_documents
from lanner.tasks.registry import TaskRegistry, default_registry
from lanner.triggers.registry import TriggerRegistry, default_trigger_registry

logger = logging.getLogger(__name__)

FLOW_TASK_LISTS = ("tasks", "errors", "finally", "afterExecution")
# `taskDefaults` is the older name of `pluginDefaults`.
DEFAULT_LISTS = ("pluginDefaults", "taskDefaults")


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
    text: str,
    source: str = "",
    registry: TaskRegistry | None = None,
    triggers: TriggerRegistry | None = None,
) -> list[ParsedDocument]:
    """Parse every `---`-separated flow of a YAML text."""
    registry = registry or default_registry()
    triggers = triggers or default_trigger_registry()
    documents = load_documents(text)
    if not documents:
        hint = "write a flow with id, namespace and tasks"
        empty = Problem("the document is empty", line=1, column=1, hint=hint)
        return [ParsedDocument(source, text, problems=[empty])]
    results = [_parse_document(document, source, registry, triggers) for document in documents]
    for result in results:
        # Report problems in the order of the text, as an editor lists them.
        result.problems.sort(key=lambda problem: (problem.line or 0, problem.column or 0))
    return results


def parse_flow(text: str, source: str = "", registry: TaskRegistry | None = None) -> Flow:
    """Parse a text holding exactly one flow; raise InvalidFlow listing every problem."""
    documents = parse_documents(text, source, registry)
    if len(documents) != 1:
        problem = Problem(
            f"expected one flow, found {len(documents)} YAML documents",
            hint="keep one flow in this text, without '---' separators",
        )
        raise InvalidFlow(problems=[problem], source=source)
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
            problem = Problem(
                f"cannot read the file: {error}",
                hint="check that it exists, is readable and is UTF-8 text",
            )
            results.append(ParsedDocument(str(path), "", problems=[problem]))
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


def _parse_document(
    document: YamlDocument,
    source: str,
    registry: TaskRegistry,
    triggers: TriggerRegistry,
) -> ParsedDocument:
    result = ParsedDocument(
        source, document.text, problems=list(document.problems), document_source=document.source
    )
    data = document.data
    if document.problems and data is None:
        return result
    if not isinstance(data, dict):
        result.problems.append(
            document.problem(
                (),
                "a flow must be a YAML mapping",
                "start the document with 'id:', 'namespace:' and 'tasks:' lines",
            )
        )
        return result
    result.flow_id = data.get("id") if isinstance(data.get("id"), str) else None
    result.namespace = data.get("namespace") if isinstance(data.get("namespace"), str) else None

    defaults = _plugin_defaults(data, document, result.problems)
    task_builder = TaskBuilder(registry, document, defaults, result.problems)
    trigger_builder = TriggerBuilder(triggers, document, defaults, result.problems)
    raw = dict(data)
    for key in DEFAULT_LISTS:
        if isinstance(raw.get(key), list):
            # Their problems are reported already: keep only the valid entries.
            raw[key] = [located.default for located in defaults if located.path[0] == key]
    for name in FLOW_TASK_LISTS:
        if isinstance(raw.get(name), list):
            raw[name] = task_builder.build_list(raw[name], (name,))
    if isinstance(raw.get("triggers"), list):
        raw["triggers"] = trigger_builder.build_list(raw["triggers"], ("triggers",))
    result.problems += check_unique_ids(task_builder.ids, "task", document)
    result.problems += check_unique_ids(trigger_builder.ids, "trigger", document)
    result.problems += check_system_labels(document)

    try:
        flow = Flow.model_validate(raw)
    except ValidationError as error:
        result.problems += problems_from_validation(error, document, (), raw, Flow)
        result.problems += _check_inputs_alone(raw.get("inputs"), document)
        return result

    result.problems += check_flow(flow, document)
    if not result.problems:
        result.flow = flow
    return result


def _check_inputs_alone(raw_inputs: Any, document: YamlDocument) -> list[Problem]:
    """Check the inputs of a flow that is invalid elsewhere, so their problems show too.

    Each input is validated on its own, so that one invalid input does not hide the problems
    of the others, such as a bad default.
    """
    if not isinstance(raw_inputs, list):
        return []
    inputs: list[AnyInput | None] = []
    invalid_ids: list[str] = []
    for raw_input in raw_inputs:
        try:
            inputs.append(_INPUT.validate_python(raw_input))
        except ValidationError:
            # Flow validation has reported its problems already.
            inputs.append(None)
            if isinstance(raw_input, dict) and isinstance(raw_input.get("id"), str):
                invalid_ids.append(raw_input["id"])
    return check_flow_inputs(inputs, document, invalid_ids)


_INPUT: TypeAdapter[AnyInput] = TypeAdapter(Input)


def _plugin_defaults(
    data: dict[str, Any], document: YamlDocument, problems: list[Problem]
) -> list[LocatedDefault]:
    defaults: list[LocatedDefault] = []
    for key in DEFAULT_LISTS:
        entries = data.get(key)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            try:
                default = PluginDefault.model_validate(entry)
            except ValidationError as error:
                problems += problems_from_validation(
                    error, document, (key, index), entry, PluginDefault
                )
                continue
            defaults.append(LocatedDefault(default, (key, index)))
    return defaults


def model_problems(
    model: type[BaseModel], raw: Any, document: YamlDocument, path: Path
) -> list[Problem]:
    """Validate a raw map against a model, returning its problems."""
    try:
        model.model_validate(raw)
    except ValidationError as error:
        return problems_from_validation(error, document, path, raw, model)
    return []


__all__ = ["ParsedDocument", "TaskBuilder", "parse_documents", "parse_flow", "parse_paths"]
