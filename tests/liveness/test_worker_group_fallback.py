"""`workerGroup.fallback` when no live worker serves the group, and workers of every group."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lanner.backend.jobs import ANY_GROUP
from lanner.states import State
from tests.support import InstanceHarness


def grouped(fallback: str) -> str:
    return f"""
id: grouped_{fallback.lower()}
namespace: qa.groups
tasks:
  - id: on_gpu
    type: io.kestra.plugin.core.log.Log
    message: on the gpu
    workerGroup:
      key: gpu
      fallback: {fallback}
"""


@pytest.mark.parametrize(("fallback", "state"), [("FAIL", State.FAILED), ("CANCEL", State.KILLED)])
async def test_no_worker_ends_task_run(
    database_url: str, tmp_path: Path, fallback: str, state: State
) -> None:
    harness = InstanceHarness(database_url, tmp_path)
    await harness.start()
    try:
        finished = await harness.run(grouped(fallback))

        assert finished.state is state
        (task_run,) = finished.runs_of_task("on_gpu")
        assert task_run.state is state
        messages = [entry.message for entry in await harness.logs(finished)]
        assert any("no live worker serves worker group 'gpu'" in message for message in messages)
    finally:
        await harness.stop()


async def test_wait_leaves_task_run_waiting(database_url: str, tmp_path: Path) -> None:
    harness = InstanceHarness(database_url, tmp_path)
    await harness.start()
    try:
        results = await harness.instance.flows.deploy_text(grouped("WAIT"))
        created = await harness.instance.executions.create(results[0].namespace, results[0].id)
        await asyncio.sleep(1.0)

        execution = await harness.instance.executions.get(created.id)
        (task_run,) = execution.runs_of_task("on_gpu")
        assert task_run.state is State.CREATED
        await harness.instance.executions.kill(created.id)
        killed = await harness.instance.executions.wait_until_finished(created.id, 60)
        assert killed.state is State.KILLED
    finally:
        await harness.stop()


async def test_live_group_worker_runs_task(database_url: str, tmp_path: Path) -> None:
    harness = InstanceHarness(database_url, tmp_path)
    harness.settings.worker.group = "gpu"
    await harness.start()
    try:
        await _registered(harness, "gpu")
        finished = await harness.run(grouped("FAIL"))

        assert finished.state is State.SUCCESS
    finally:
        await harness.stop()


async def test_any_group_worker_runs_everything(database_url: str, tmp_path: Path) -> None:
    harness = InstanceHarness(database_url, tmp_path)
    harness.settings.worker.group = ANY_GROUP
    await harness.start()
    try:
        grouped_run = await harness.run(grouped("WAIT"))
        plain_run = await harness.run(
            "id: plain\nnamespace: qa.groups\ntasks:\n"
            "  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
        )

        assert grouped_run.state is State.SUCCESS
        assert plain_run.state is State.SUCCESS
    finally:
        await harness.stop()


async def _registered(harness: InstanceHarness, group: str) -> None:
    """Wait until a worker of the group has registered, as the executor checks for one."""
    backend = harness.instance.backend
    for _ in range(200):
        async with backend.db.transaction(write=False) as connection:
            rows = await backend.components.registered(connection)
        if any(row.worker_group == group for row in rows):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no worker of group {group!r} registered")
