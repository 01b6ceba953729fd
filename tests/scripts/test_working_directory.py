"""WorkingDirectory run by a worker as one job: children share one directory.

The executor hands the whole WorkingDirectory task run to one worker. These tests run such a job
through the worker's JobRunner, as the executor would send it, and read the result payload.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lanner.backend.jobs import ClaimedJob
from lanner.flows.executable import ExecutableFlow
from lanner.flows.parser import parse_documents
from lanner.storage import Storage, key_from_uri, storage_from_url
from lanner.tasks.registry import default_registry
from lanner.worker.context import TaskLogRecord
from lanner.worker.runner import JobRunner, TaskCache
from tests.scripts.support import NAMESPACE, live_processes, wait_for


class WorkingDirectoryJob:
    """Runs the WorkingDirectory `wd` of a flow as one worker job on a local storage."""

    def __init__(self, tmp_path: Path, tasks_yaml: str) -> None:
        source = (
            f"id: shared\nnamespace: {NAMESPACE}\ntasks:\n"
            f"  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n"
            f"{textwrap.indent(textwrap.dedent(tasks_yaml), '    ')}"
        )
        document = parse_documents(source, "flow.yml")[0]
        assert document.flow is not None, [problem.format() for problem in document.problems]
        self.flow = ExecutableFlow.of(document.flow)
        self.storage: Storage = storage_from_url(f"file://{tmp_path / 'storage'}")
        self.records: list[TaskLogRecord] = []
        self.runner = JobRunner(
            TaskCache(default_registry()), self.storage, None, None, lambda: "worker-test"
        )
        self.jobs = 0

    def job(self) -> ClaimedJob:
        self.jobs += 1
        variables = {
            "flow": {"id": "shared", "namespace": NAMESPACE, "revision": 1},
            "execution": {"id": f"execution{self.jobs}", "startDate": "2024-01-01T00:00:00Z"},
            "task": {"id": "wd", "type": "io.kestra.plugin.core.flow.WorkingDirectory"},
            "taskrun": {"id": f"wd-run{self.jobs}", "attemptsCount": 0},
            "inputs": {},
            "outputs": {},
            "vars": {},
            "labels": {},
            "envs": {},
            "globals": {},
        }
        payload = {
            "flow": {"id": "shared", "namespace": NAMESPACE, "revision": self.jobs},
            "taskId": "wd",
            "task": self.task_dump(),
            "context": variables,
            "secretInputs": [],
        }
        return ClaimedJob(self.jobs, f"execution{self.jobs}", f"wd-run{self.jobs}", 1, "t", payload)

    def task_dump(self) -> dict[str, Any]:
        """Dump the WorkingDirectory with its children's own properties, as a job carries it."""
        task = self.flow.task("wd")
        # serialize_as_any: `tasks` is typed with the Task base class, whose schema alone would
        # drop the properties of each child's own type.
        return task.model_dump(
            mode="json", by_alias=True, exclude_unset=True, serialize_as_any=True
        )

    async def run(self, killed: bool = False) -> dict[str, Any]:
        return await self.runner.run(self.job(), self.records.append, lambda: killed)

    def logs_of(self, task_run_id: str | None) -> list[str]:
        return [record.message for record in self.records if record.task_run_id == task_run_id]


def states(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(child["taskId"], child["state"]) for child in result["children"]]


async def test_children_share_directory(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        inputFiles:
          given.txt: from the WorkingDirectory
        outputFiles: ["*.txt"]
        tasks:
          - id: write
            type: io.kestra.plugin.scripts.shell.Commands
            commands:
              - echo written > shared.txt
              - echo '::{"outputs":{"where":"{{ workingDir }}"}}::'
          - id: read
            type: io.kestra.plugin.scripts.python.Script
            script: |
              import os
              print(open("shared.txt").read().strip(), open("given.txt").read())
              print(os.getcwd() == "{{ outputs.write.vars.where }}")
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "parent run {{ parent.taskrun.id }}, mine {{ taskrun.id }}"
        """,
    )

    result = await job.run()

    assert result["state"] == "SUCCESS"
    assert states(result) == [("write", "SUCCESS"), ("read", "SUCCESS"), ("log", "SUCCESS")]
    write, read, log = result["children"]
    assert write["outputs"]["exitCode"] == 0
    assert job.logs_of(read["id"]) == ["written from the WorkingDirectory", "True"]
    assert job.logs_of(log["id"]) == [f"parent run wd-run1, mine {log['id']}"]
    assert len({write["id"], read["id"], log["id"]}) == 3
    assert write["startDate"] <= write["endDate"] <= read["startDate"] <= read["endDate"]
    files = result["outputs"]["outputFiles"]
    assert sorted(files) == ["given.txt", "shared.txt"]
    assert await job.storage.get(key_from_uri(files["shared.txt"])) == b"written\n"
    assert not Path(write["outputs"]["vars"]["where"]).exists()


async def test_failure_runs_errors_and_finally(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        tasks:
          - id: breaks
            type: io.kestra.plugin.scripts.shell.Commands
            commands:
              - echo broken > state.txt
              - exit 3
          - id: never
            type: io.kestra.plugin.core.log.Log
            message: never
        errors:
          - id: handle
            type: io.kestra.plugin.scripts.shell.Commands
            commands:
              - cat state.txt
        finally:
          - id: cleanup
            type: io.kestra.plugin.core.log.Log
            message: cleaned up
        """,
    )

    result = await job.run()

    assert result["state"] == "FAILED"
    assert states(result) == [("breaks", "FAILED"), ("handle", "SUCCESS"), ("cleanup", "SUCCESS")]
    breaks, handle, _ = result["children"]
    assert breaks["outputs"]["exitCode"] == 3
    assert job.logs_of(handle["id"]) == ["broken"]
    assert any("exited with code 3" in line for line in job.logs_of(breaks["id"]))
    # The job's own lines carry no task run id: they are the WorkingDirectory's.
    assert any("'breaks' failed" in line for line in job.logs_of(None))


async def test_allow_failure_run_if_and_warning(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        tasks:
          - id: tolerated
            type: io.kestra.plugin.scripts.shell.Commands
            allowFailure: true
            commands:
              - exit 1
          - id: skipped
            type: io.kestra.plugin.core.log.Log
            runIf: "{{ 1 > 2 }}"
            message: never
          - id: hidden
            type: io.kestra.plugin.scripts.shell.Commands
            allowFailure: true
            allowWarning: true
            commands:
              - exit 1
          - id: after
            type: io.kestra.plugin.core.log.Log
            message: still running
        """,
    )

    result = await job.run()

    assert states(result) == [
        ("tolerated", "WARNING"),
        ("skipped", "SKIPPED"),
        ("hidden", "SUCCESS"),
        ("after", "SUCCESS"),
    ]
    assert result["state"] == "WARNING"


async def test_child_timeout_stops_processes(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        tasks:
          - id: slow
            type: io.kestra.plugin.scripts.shell.Commands
            timeout: PT1S
            commands:
              - echo "group $$"
              - sleep 300
          - id: never
            type: io.kestra.plugin.core.log.Log
            message: never
        """,
    )

    result = await job.run()

    assert result["state"] == "FAILED"
    assert states(result) == [("slow", "FAILED")]
    slow_logs = job.logs_of(result["children"][0]["id"])
    assert any("timed out after PT1S" in line for line in slow_logs)
    group = int(slow_logs[0].split()[1])
    assert live_processes(group) == []


async def test_kill_reports_running_child(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        tasks:
          - id: first
            type: io.kestra.plugin.core.log.Log
            message: first
          - id: sleeper
            type: io.kestra.plugin.scripts.shell.Commands
            commands:
              - echo "group $$"
              - sleep 300
        """,
    )
    running = asyncio.create_task(job.run(killed=True))

    async def started() -> bool:
        return any(record.message.startswith("group ") for record in job.records)

    await wait_for(started, "the sleeper to start")
    group = next(int(r.message.split()[1]) for r in job.records if r.message.startswith("group"))
    running.cancel()
    result = await running

    assert result["state"] == "KILLED"
    assert states(result) == [("first", "SUCCESS"), ("sleeper", "KILLED")]
    assert live_processes(group) == []


async def test_cache_restored_next_run(tmp_path: Path) -> None:
    job = WorkingDirectoryJob(
        tmp_path,
        """
        cache:
          patterns: ["deps/**"]
          ttl: PT1H
        tasks:
          - id: install
            type: io.kestra.plugin.scripts.shell.Commands
            commands:
              - test -e deps/lib.txt && echo "restored $(cat deps/lib.txt)" || echo missing
              - mkdir -p deps && echo v1 > deps/lib.txt
        """,
    )

    first = await job.run()
    second = await job.run()

    assert job.logs_of(first["children"][0]["id"]) == ["missing"]
    assert job.logs_of(second["children"][0]["id"]) == ["restored v1"]


async def test_flowable_child_rejected() -> None:
    documents = parse_documents(
        f"""
id: shared
namespace: {NAMESPACE}
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: x
""",
        "flow.yml",
    )

    assert documents[0].flow is None
    assert any("flowable task" in problem.message for problem in documents[0].problems)


@pytest.fixture(autouse=True)
def _registry_has_core_tasks() -> None:
    assert default_registry().resolve("io.kestra.plugin.core.flow.WorkingDirectory") is not None
