"""Shared helpers for tests that act on executions while they run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lanner.executions.model import Execution, TaskRun
from lanner.states import State
from tests.support import InstanceHarness


async def start(harness: InstanceHarness, source: str, **inputs: object) -> Execution:
    """Deploy the flows of `source` and start the first one, without waiting for its end."""
    results = await harness.instance.flows.deploy_text(source)
    return await harness.instance.executions.create(results[0].namespace, results[0].id, inputs)


async def until(
    harness: InstanceHarness,
    execution_id: str,
    condition: Callable[[Execution], bool],
    timeout: float = 60,
) -> Execution:
    """Poll an execution until a condition on it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        execution = await harness.instance.executions.get(execution_id)
        if condition(execution):
            return execution
        if loop.time() > deadline:
            raise AssertionError(f"condition not met in {timeout} s; state {execution.state}")
        await asyncio.sleep(0.05)


def one(execution: Execution, task_id: str) -> TaskRun:
    runs = execution.runs_of_task(task_id)
    assert len(runs) == 1, f"expected one run of {task_id!r}, found {len(runs)}"
    return runs[0]


def states_of(task_run: TaskRun) -> list[State]:
    return [item.state for item in task_run.histories]


def never_leaves_terminal(states: list[State]) -> bool:
    """Tell whether no non-terminal state follows a terminal one."""
    seen_terminal = False
    for state in states:
        if seen_terminal and not state.is_terminal:
            return False
        seen_terminal = seen_terminal or state.is_terminal
    return True
