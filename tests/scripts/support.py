"""Helpers of the script task tests: run one task on a real storage, look at processes."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lanner.backend.logs import LogEntry
from lanner.flows.parser import parse_documents
from lanner.runners.process_group import group_members
from lanner.storage import Storage, storage_from_url
from lanner.tasks.base import Task
from lanner.worker.context import RunContext, TaskLogger, TaskLogRecord
from tests.support import InstanceHarness

# Generous: other test suites run on the same two cores.
TIMEOUT = 120.0
NAMESPACE = "qa.scripts"


def parse_task(task_yaml: str) -> Any:
    """Build the task of a flow holding only the task written in `task_yaml`."""
    source = f"id: single\nnamespace: {NAMESPACE}\ntasks:\n{textwrap.indent(task_yaml, '  ')}"
    document = parse_documents(source, "flow.yml")[0]
    assert document.flow is not None, [problem.format() for problem in document.problems]
    return document.flow.tasks[0]


class TaskRun:
    """One task run on a local storage, outside any instance, with its log lines kept."""

    def __init__(self, tmp_path: Path, inputs: dict[str, Any] | None = None) -> None:
        self.storage: Storage = storage_from_url(f"file://{tmp_path / 'storage'}")
        self.records: list[TaskLogRecord] = []
        self.inputs = inputs or {}

    def context(self, task: Task, attempts_count: int = 0) -> RunContext:
        variables = {
            "flow": {"id": "single", "namespace": NAMESPACE, "revision": 1},
            "execution": {"id": "execution1", "startDate": "2024-01-01T00:00:00Z"},
            "task": {"id": task.id, "type": task.type},
            "taskrun": {"id": f"{task.id}-run", "attemptsCount": attempts_count},
            "inputs": self.inputs,
            "outputs": {},
            "vars": {},
            "labels": {},
            "envs": {},
            "globals": {},
        }
        return RunContext(
            variables=variables, logger=TaskLogger(self.records.append), storage=self.storage
        )

    async def run(self, task: Any, attempts_count: int = 0) -> dict[str, Any] | None:
        return await task.run(self.context(task, attempts_count))

    def messages(self, level: str | None = None) -> list[str]:
        return [record.message for record in self.records if level in (None, record.level)]

    async def read(self, uri: str) -> bytes:
        from lanner.storage import key_from_uri

        return await self.storage.get(key_from_uri(uri))


async def wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll until `check` returns True; fail naming `what` after TIMEOUT seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def logged_line(instance: InstanceHarness, execution_id: str, prefix: str) -> LogEntry:
    """Wait until a log line starting with `prefix` is stored, and return it."""
    found: list[LogEntry] = []

    async def stored() -> bool:
        entries = await instance.instance.executions.logs(execution_id)
        found[:] = [entry for entry in entries if entry.message.startswith(prefix)]
        return bool(found)

    await wait_for(stored, f"a log line starting with {prefix!r}")
    return found[0]


def live_processes(group_id: int) -> list[int]:
    """The processes of a process group that are still alive (zombies excluded)."""
    return group_members(group_id)


def process_alive(pid: int) -> bool:
    """Tell whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rfind(")") + 2] not in ("Z", "X")
