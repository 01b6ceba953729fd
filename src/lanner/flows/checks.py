"""Flow checks that span several properties: unique ids, task-specific rules, inputs."""

from __future__ import annotations

from lanner.errors import Problem
from lanner.flows.inputs import check_inputs
from lanner.flows.model import Flow
from lanner.flows.walk import walk_tasks
from lanner.flows.yaml_source import YamlDocument


def check_flow(flow: Flow, document: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_unique_task_ids(flow, document)
    for location in walk_tasks(flow):
        for task_problem in location.task.check():
            problems.append(
                document.problem(
                    (*location.path, *task_problem.path), task_problem.message, task_problem.hint
                )
            )
    problems += _check_unique_ids(
        [output.id for output in flow.outputs or []], "outputs", "flow output", document
    )
    for input_problem in check_inputs(flow.inputs or []):
        problems.append(
            document.problem(
                ("inputs", *input_problem.path), input_problem.message, input_problem.hint
            )
        )
    return problems


def _check_unique_task_ids(flow: Flow, document: YamlDocument) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for location in walk_tasks(flow):
        task_id = location.task.id
        where = document.problem(location.path, "")
        if task_id in seen:
            problems.append(
                document.problem(
                    (*location.path, "id", "<value>"),
                    f"duplicate task id {task_id!r}, first used at {seen[task_id]}",
                    "task ids must be unique across the whole flow, errors and finally included",
                )
            )
        else:
            seen[task_id] = f"line {where.line}"
    return problems


def _check_unique_ids(
    ids: list[str], list_name: str, what: str, document: YamlDocument
) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            problems.append(
                document.problem((list_name, index, "id"), f"duplicate {what} id {item_id!r}")
            )
        seen.add(item_id)
    return problems
