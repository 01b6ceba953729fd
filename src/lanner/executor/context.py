"""The expression context of a task run: inputs, outputs, parents, the task run itself.

Outputs are the expensive part: a ForEach over thousands of values has thousands of outputs.
Only the outputs of the tasks a property names are included, which the static analysis of the
task's expressions tells (`references`), unless an expression reads outputs dynamically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lanner.executions.model import Execution, TaskRun
from lanner.expressions import RenderServices
from lanner.flows.executable import ExecutableFlow
from lanner.timestamps import format_timestamp


@dataclass(frozen=True)
class InstanceContext:
    """What the instance adds to every context: environment variables and globals."""

    envs: dict[str, str] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)
    # What expressions rendered by the executor may call (`secret()`); None allows nothing.
    services: RenderServices | None = None


def task_run_context(
    flow: ExecutableFlow,
    execution: Execution,
    task_run: TaskRun | None,
    instance: InstanceContext,
    task_id: str | None = None,
) -> dict[str, Any]:
    """Build the context to render the properties of `task_id` (the task run's task by default)."""
    context = execution_context(flow, execution, instance)
    task_id = task_id or (task_run.task_id if task_run else None)
    if task_id is None:
        context["outputs"] = outputs_map(execution, None)
        return context

    wanted = flow.references(task_id)
    output_ids = None if wanted.all_outputs else wanted.outputs
    context["outputs"] = outputs_map(execution, output_ids)
    if "tasks" in wanted.roots or wanted.dynamic:
        context["tasks"] = task_states(execution)
    task = flow.task(task_id)
    context["task"] = {"id": task.id, "type": task.type}
    if task_run is not None:
        context["taskrun"] = task_run_variables(task_run)
        parents = [
            {"taskrun": task_run_variables(parent), "outputs": parent.outputs or {}}
            for parent in execution.ancestors(task_run)
        ]
        context["parents"] = parents
        if parents:
            context["parent"] = parents[0]
    return context


def execution_context(
    flow: ExecutableFlow, execution: Execution, instance: InstanceContext
) -> dict[str, Any]:
    """Build the part of the context that is the same for every task run."""
    return {
        "flow": {
            "id": flow.flow.id,
            "namespace": flow.flow.namespace,
            "revision": execution.flow_revision,
        },
        "execution": {
            "id": execution.id,
            "startDate": format_timestamp(execution.start_date),
            "state": execution.state.value,
            "originalId": execution.original_id or execution.id,
        },
        "inputs": execution.inputs,
        "vars": flow.flow.variables or {},
        "labels": {label["key"]: label["value"] for label in execution.labels},
        "trigger": execution.trigger or {},
        "envs": instance.envs,
        "globals": instance.globals,
    }


def task_run_variables(task_run: TaskRun) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "id": task_run.id,
        "startDate": format_timestamp(task_run.start_date),
        "attemptsCount": max(0, task_run.attempt_number - 1),
        "parentId": task_run.parent_id,
        "taskId": task_run.task_id,
    }
    if task_run.value is not None:
        variables["value"] = task_run.value
    if task_run.iteration is not None:
        variables["iteration"] = task_run.iteration
    return variables


def outputs_map(execution: Execution, task_ids: frozenset[str] | None) -> dict[str, Any]:
    """Collect outputs by task id, keyed by loop values, outermost first."""
    result: dict[str, Any] = {}
    runs = (
        (run for run in execution.task_runs.values())
        if task_ids is None
        else (run for task_id in task_ids for run in execution.runs_of_task(task_id))
    )
    for task_run in runs:
        if task_run.outputs is None:
            continue
        _insert(result, task_run.task_id, execution.value_path(task_run), task_run.outputs)
    return result


def task_states(execution: Execution) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for task_run in execution.task_runs.values():
        state = {"state": task_run.state.value}
        _insert(result, task_run.task_id, execution.value_path(task_run), state)
    return result


def _insert(result: dict[str, Any], task_id: str, path: list[str], value: Any) -> None:
    if not path:
        result[task_id] = value
        return
    node = result.setdefault(task_id, {})
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
