"""Helpers for the end-to-end failure cases: run a flow, read it back, check the invariants."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from lanner.backend.logs import LogEntry
from lanner.executions.model import Execution, TaskRun
from lanner.flows.parser import parse_documents
from lanner.states import State
from tests.executor.invariants import check_execution, max_overlap
from tests.support import InstanceHarness

# Generous: a loaded CI machine runs both backends and other suites at the same time.
TIMEOUT = 120.0


async def run_checked(
    instance: InstanceHarness, source: str, inputs: dict[str, Any] | None = None
) -> Execution:
    """Run the first flow of `source` to its end and check the invariants every run must show."""
    execution = await instance.run(source, inputs, timeout=TIMEOUT)
    check_execution(execution, first_flow(source))
    return execution


def first_flow(source: str) -> Any:
    document = parse_documents(source)[0]
    assert document.flow is not None, document.problems
    return document.flow


async def wait_for(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float = TIMEOUT
) -> None:
    """Poll until `check` returns True, and fail naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def children(execution: Execution, task_id: str) -> list[TaskRun]:
    """The runs of every task whose parent is a run of `task_id`, in creation order."""
    parents = {run.id for run in execution.runs_of_task(task_id)}
    return sorted(
        (run for run in execution.task_runs.values() if run.parent_id in parents),
        key=lambda run: run.seq,
    )


def groups(execution: Execution, loop_id: str) -> dict[str, list[TaskRun]]:
    """The direct children of a loop by value, each group in creation order."""
    found: dict[str, list[TaskRun]] = {}
    for run in children(execution, loop_id):
        assert run.value is not None
        found.setdefault(run.value, []).append(run)
    return found


def group_spans(execution: Execution, loop_id: str) -> list[tuple[datetime, datetime]]:
    spans = []
    for runs in groups(execution, loop_id).values():
        ends = [run.end_date for run in runs]
        assert all(end is not None for end in ends)
        spans.append((runs[0].start_date, max(end for end in ends if end is not None)))
    return spans


def groups_in_flight(execution: Execution, loop_id: str) -> int:
    """The largest number of a loop's groups that ran at one instant, from stored dates."""
    return max_overlap(group_spans(execution, loop_id))


def history(run: TaskRun | Execution) -> list[State]:
    return [entry.state for entry in run.histories]


def messages(logs: list[LogEntry], task_id: str | None = None) -> list[str]:
    return [entry.message for entry in logs if task_id is None or entry.task_id == task_id]
