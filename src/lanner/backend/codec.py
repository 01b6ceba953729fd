"""Executions and task runs to table rows and back."""

from __future__ import annotations

from typing import Any

from lanner.executions.model import Attempt, Execution, StateHistory, TaskRun
from lanner.states import State
from lanner.timestamps import format_timestamp, parse_timestamp


def histories_to_json(histories: list[StateHistory]) -> list[dict[str, str]]:
    return [{"state": item.state.value, "date": format_timestamp(item.date)} for item in histories]


def histories_from_json(items: list[dict[str, str]]) -> list[StateHistory]:
    return [StateHistory(State(item["state"]), parse_timestamp(item["date"])) for item in items]


def execution_row(execution: Execution) -> dict[str, Any]:
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flow_id": execution.flow_id,
        "flow_revision": execution.flow_revision,
        "state": execution.state.value,
        "created": execution.start_date,
        "end_date": execution.end_date,
        "data": {
            "histories": histories_to_json(execution.histories),
            "inputs": execution.inputs,
            "outputs": execution.outputs,
            "labels": execution.labels,
            "trigger": execution.trigger,
            "parent": execution.parent,
            "originalId": execution.original_id,
            "internal": execution.internal,
        },
        "version": execution.version,
        "parent_id": (execution.parent or {}).get("executionId"),
    }


def execution_from_row(row: Any) -> Execution:
    data = row.data
    return Execution(
        id=row.id,
        namespace=row.namespace,
        flow_id=row.flow_id,
        flow_revision=row.flow_revision,
        state=State(row.state),
        histories=histories_from_json(data["histories"]),
        inputs=data.get("inputs") or {},
        outputs=data.get("outputs"),
        labels=data.get("labels") or [],
        trigger=data.get("trigger"),
        parent=data.get("parent"),
        original_id=data.get("originalId"),
        internal=data.get("internal") or {},
        version=row.version,
    )


def task_run_row(task_run: TaskRun) -> dict[str, Any]:
    return {
        "id": task_run.id,
        "execution_id": task_run.execution_id,
        "seq": task_run.seq,
        "parent_id": task_run.parent_id,
        "task_id": task_run.task_id,
        "value": task_run.value,
        "iteration": task_run.iteration,
        "state": task_run.state.value,
        "data": task_run_data(task_run),
    }


def task_run_data(task_run: TaskRun) -> dict[str, Any]:
    return {
        "histories": histories_to_json(task_run.histories),
        "attempts": [
            {
                "state": attempt.state.value,
                "histories": histories_to_json(attempt.histories),
                "workerId": attempt.worker_id,
                "metrics": attempt.metrics,
            }
            for attempt in task_run.attempts
        ],
        "outputs": task_run.outputs,
        "internal": task_run.internal,
    }


def task_run_from_row(row: Any) -> TaskRun:
    data = row.data
    return TaskRun(
        id=row.id,
        execution_id=row.execution_id,
        task_id=row.task_id,
        parent_id=row.parent_id,
        value=row.value,
        iteration=row.iteration,
        state=State(row.state),
        histories=histories_from_json(data["histories"]),
        seq=row.seq,
        attempts=[
            Attempt(
                state=State(item["state"]),
                histories=histories_from_json(item["histories"]),
                worker_id=item.get("workerId"),
                metrics=item.get("metrics") or [],
            )
            for item in data.get("attempts") or []
        ],
        outputs=data.get("outputs"),
        internal=data.get("internal") or {},
    )
