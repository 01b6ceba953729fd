"""Flow checks that span several properties: unique ids, inputs, subflows, schedules, labels."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from lanner.errors import Problem
from lanner.flows.builder import IdRecord
from lanner.flows.inputs import AnyInput, check_inputs
from lanner.flows.model import Flow
from lanner.flows.walk import walk_tasks
from lanner.flows.yaml_source import Path, YamlDocument, format_path
from lanner.tasks.flow.for_each_item import ForEachItem
from lanner.tasks.flow.subflow import Subflow
from lanner.triggers.schedule import Schedule, ScheduleOnDates

# Labels under this prefix are set by Kestra itself, except `system.readOnly`.
SYSTEM_LABEL_PREFIX = "system."
ALLOWED_SYSTEM_LABELS = ("system.readOnly",)


def check_flow(flow: Flow, document: YamlDocument) -> list[Problem]:
    """Check what only the whole, valid flow shows."""
    problems: list[Problem] = []
    outputs = [
        IdRecord(output.id, ("outputs", index)) for index, output in enumerate(flow.outputs or [])
    ]
    problems += check_unique_ids(outputs, "flow output", document)
    problems += check_flow_inputs(flow.inputs or [], document)
    problems += _check_recursive_subflows(flow, document)
    problems += _check_scheduled_inputs(flow, document)
    return problems


def check_unique_ids(
    records: Iterable[IdRecord], what: str, document: YamlDocument
) -> list[Problem]:
    """Report every id used a second time, pointing at the first use."""
    problems = []
    first: dict[str, IdRecord] = {}
    for record in records:
        earlier = first.setdefault(record.id, record)
        if earlier is record:
            continue
        line, _column = document.position(earlier.path)
        problems.append(
            document.problem(
                (*record.path, "id", "<value>"),
                f"duplicate {what} id {record.id!r}, already used by {format_path(earlier.path)} "
                f"(line {line})",
                f"give each {what} its own id",
            )
        )
    return problems


def check_flow_inputs(
    inputs: Sequence[AnyInput | None], document: YamlDocument, invalid_ids: Collection[str] = ()
) -> list[Problem]:
    """Place the problems `check_inputs` finds in the document, each with a hint."""
    problems = []
    for problem in check_inputs(inputs, invalid_ids):
        message, hint = problem.message, problem.hint
        if hint is None:
            # Input messages end with what is expected ("...: expected a whole number"), which
            # becomes the hint. Only that clause is split off: the value quoted before it may
            # itself contain ": ".
            head, separator, tail = message.rpartition(": expected ")
            message, hint = (head, "expected " + tail) if separator else (message, None)
        problems.append(
            document.problem(("inputs", *problem.path), message, hint or "correct the input")
        )
    return problems


def _check_recursive_subflows(flow: Flow, document: YamlDocument) -> list[Problem]:
    problems = []
    for location in walk_tasks(flow):
        task = location.task
        if not isinstance(task, (Subflow, ForEachItem)):
            continue
        if task.namespace == flow.namespace and task.flow_id == flow.id:
            problems.append(
                document.problem(
                    (*location.path, "flowId", "<value>"),
                    f"task {task.id!r} starts an execution of its own flow {flow.uid!r}",
                    "call another flow: a flow cannot be its own subflow",
                )
            )
    return problems


def _check_scheduled_inputs(flow: Flow, document: YamlDocument) -> list[Problem]:
    """Report inputs without a default that a schedule trigger does not set.

    No user is there to supply inputs when a schedule starts an execution.
    """
    needed = [item.id for item in flow.inputs or [] if item.required and item.defaults is None]
    problems = []
    for index, trigger in enumerate(flow.triggers or []):
        if not isinstance(trigger, (Schedule, ScheduleOnDates)):
            continue
        missing = [input_id for input_id in needed if input_id not in (trigger.inputs or {})]
        if missing:
            names = ", ".join(repr(input_id) for input_id in missing)
            problems.append(
                document.problem(
                    ("triggers", index),
                    f"trigger {trigger.id!r} does not set the required input(s) {names}, "
                    "which have no default",
                    "set them under 'inputs' of the trigger, or give the inputs a default",
                )
            )
    return problems


def check_system_labels(document: YamlDocument) -> list[Problem]:
    """Report the flow's label keys that only Kestra itself may set."""
    return [
        document.problem(
            path,
            f"label {key!r} is reserved: labels starting with 'system.' are set by Kestra",
            "rename the label",
        )
        for key, path in _label_keys(document.data.get("labels"))
        if key.startswith(SYSTEM_LABEL_PREFIX) and key not in ALLOWED_SYSTEM_LABELS
    ]


def _label_keys(labels: Any) -> list[tuple[str, Path]]:
    if isinstance(labels, dict):
        return [(str(key), ("labels", str(key))) for key in labels]
    if not isinstance(labels, list):
        return []
    return [
        (str(label["key"]), ("labels", index, "key", "<value>"))
        for index, label in enumerate(labels)
        if isinstance(label, dict) and "key" in label
    ]
