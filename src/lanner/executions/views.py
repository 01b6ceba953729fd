"""Executions, task runs and logs as JSON, with Kestra's field names."""

from __future__ import annotations

from typing import Any

from lanner.backend.logs import LogEntry
from lanner.executions.model import Attempt, Execution, StateHistory, TaskRun
from lanner.states import State
from lanner.timestamps import format_timestamp


def state_json(state: State, histories: list[StateHistory]) -> dict[str, Any]:
    start = histories[0].date if histories else None
    end = histories[-1].date if histories and state.is_terminal else None
    result: dict[str, Any] = {
        "current": state.value,
        "histories": [
            {"state": item.state.value, "date": format_timestamp(item.date)} for item in histories
        ],
        "startDate": format_timestamp(start) if start else None,
        "endDate": format_timestamp(end) if end else None,
    }
    if start and end:
        result["duration"] = _iso_seconds((end - start).total_seconds())
    return result


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "state": state_json(attempt.state, attempt.histories),
        "workerId": attempt.worker_id,
        "metrics": attempt.metrics,
    }


def task_run_json(task_run: TaskRun, execution: Execution) -> dict[str, Any]:
    return {
        "id": task_run.id,
        "executionId": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "taskId": task_run.task_id,
        "parentTaskRunId": task_run.parent_id,
        "value": task_run.value,
        "iteration": task_run.iteration,
        "state": state_json(task_run.state, task_run.histories),
        "attempts": [attempt_json(attempt) for attempt in task_run.attempts] or None,
        "outputs": task_run.outputs,
    }


def trigger_json(trigger: dict[str, Any] | None) -> dict[str, Any] | None:
    """Shape a stored trigger as Kestra does: `id`, `type`, and the rest under `variables`.

    The executions store the variables beside `id` and `type`, as expressions read them
    (`trigger.date`, `trigger.body`).
    """
    if trigger is None:
        return None
    variables = {key: value for key, value in trigger.items() if key not in ("id", "type")}
    return {"id": trigger.get("id"), "type": trigger.get("type"), "variables": variables}


def execution_json(execution: Execution) -> dict[str, Any]:
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "state": state_json(execution.state, execution.histories),
        "inputs": execution.inputs,
        "outputs": execution.outputs,
        "labels": execution.labels,
        "trigger": trigger_json(execution.trigger),
        "parentId": (execution.parent or {}).get("executionId"),
        "originalId": execution.original_id or execution.id,
        "taskRunList": [
            task_run_json(task_run, execution) for task_run in execution.task_runs.values()
        ],
    }


def log_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "executionId": entry.execution_id,
        "namespace": entry.namespace,
        "flowId": entry.flow_id,
        "taskRunId": entry.task_run_id,
        "taskId": entry.task_id,
        "attemptNumber": entry.attempt,
        "level": entry.level,
        "message": entry.message,
        "timestamp": format_timestamp(entry.timestamp),
    }


def _iso_seconds(seconds: float) -> str:
    return f"PT{seconds:.3f}".rstrip("0").rstrip(".") + "S"
