"""Small builders for flows written as Python data, so tables of cases stay short.

Each builder returns the task as the mapping a user would write in YAML, and `flow` turns a
list of tasks into flow YAML text.
"""

from __future__ import annotations

from typing import Any

import yaml

FLOW = "io.kestra.plugin.core.flow"
Task = dict[str, Any]


def flow(tasks: list[Task], flow_id: str = "table_case", **properties: Any) -> str:
    """Build the YAML text of a flow in the namespace `qa.executor`."""
    document = {"id": flow_id, "namespace": "qa.executor", "tasks": tasks, **properties}
    return yaml.safe_dump(document, sort_keys=False)


def log(task_id: str, message: str | None = None, **properties: Any) -> Task:
    text = message if message is not None else f"{task_id} ran"
    return {"id": task_id, "type": "io.kestra.plugin.core.log.Log", "message": text, **properties}


def fail(task_id: str, message: str | None = None, **properties: Any) -> Task:
    text = message if message is not None else f"{task_id} failed on purpose"
    return {
        "id": task_id,
        "type": "io.kestra.plugin.core.execution.Fail",
        "errorMessage": text,
        **properties,
    }


def output(task_id: str, values: dict[str, Any], **properties: Any) -> Task:
    return {
        "id": task_id,
        "type": "io.kestra.plugin.core.output.OutputValues",
        "values": values,
        **properties,
    }


def sleep(task_id: str, duration: str, **properties: Any) -> Task:
    return {"id": task_id, "type": f"{FLOW}.Sleep", "duration": duration, **properties}


def sequential(task_id: str, tasks: list[Task], **properties: Any) -> Task:
    return {"id": task_id, "type": f"{FLOW}.Sequential", "tasks": tasks, **properties}


def allow_failure(task_id: str, tasks: list[Task], **properties: Any) -> Task:
    return {"id": task_id, "type": f"{FLOW}.AllowFailure", "tasks": tasks, **properties}


def parallel(task_id: str, tasks: list[Task], concurrent: int = 0, **properties: Any) -> Task:
    return {
        "id": task_id,
        "type": f"{FLOW}.Parallel",
        "concurrent": concurrent,
        "tasks": tasks,
        **properties,
    }


def for_each(
    task_id: str, values: Any, tasks: list[Task], limit: int | str = 1, **properties: Any
) -> Task:
    return {
        "id": task_id,
        "type": f"{FLOW}.ForEach",
        "values": values,
        "concurrencyLimit": limit,
        "tasks": tasks,
        **properties,
    }


def each_sequential(task_id: str, value: Any, tasks: list[Task], **properties: Any) -> Task:
    return {"id": task_id, "type": f"{FLOW}.EachSequential", "value": value, "tasks": tasks,
            **properties}


def each_parallel(
    task_id: str, value: Any, tasks: list[Task], concurrent: int = 0, **properties: Any
) -> Task:
    return {
        "id": task_id,
        "type": f"{FLOW}.EachParallel",
        "value": value,
        "concurrent": concurrent,
        "tasks": tasks,
        **properties,
    }


def if_task(
    task_id: str,
    condition: Any,
    then: list[Task],
    otherwise: list[Task] | None = None,
    **properties: Any,
) -> Task:
    task: Task = {"id": task_id, "type": f"{FLOW}.If", "condition": condition, "then": then}
    if otherwise is not None:
        task["else"] = otherwise
    return {**task, **properties}


def switch(
    task_id: str,
    value: Any,
    cases: dict[str, list[Task]],
    defaults: list[Task] | None = None,
    **properties: Any,
) -> Task:
    task: Task = {"id": task_id, "type": f"{FLOW}.Switch", "value": value, "cases": cases}
    if defaults is not None:
        task["defaults"] = defaults
    return {**task, **properties}


def dag(
    task_id: str,
    entries: list[tuple[Task, list[str]]],
    concurrent: int = 0,
    **properties: Any,
) -> Task:
    """Build a Dag from (task, dependsOn) pairs."""
    tasks = [
        {"task": task, "dependsOn": depends_on} if depends_on else {"task": task}
        for task, depends_on in entries
    ]
    return {
        "id": task_id,
        "type": f"{FLOW}.Dag",
        "concurrent": concurrent,
        "tasks": tasks,
        **properties,
    }


def wait_for(
    task_id: str,
    condition: Any,
    tasks: list[Task],
    max_iterations: int = 100,
    interval: str = "PT1S",
    fail_on_max_reached: bool = False,
    **properties: Any,
) -> Task:
    return {
        "id": task_id,
        "type": f"{FLOW}.WaitFor",
        "condition": condition,
        "tasks": tasks,
        "checkFrequency": {"maxIterations": max_iterations, "interval": interval},
        "failOnMaxReached": fail_on_max_reached,
        **properties,
    }


def constant_retry(max_attempts: int | None = None, interval: str = "PT1S", **more: Any) -> Task:
    retry: Task = {"type": "constant", "interval": interval, **more}
    if max_attempts is not None:
        retry["maxAttempts"] = max_attempts
    return retry
