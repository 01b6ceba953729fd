"""Purging removes ended executions with their task runs, logs and files, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from lanner.backend.schema import executions, logs, task_runs
from lanner.flows.inputs import UploadedFile
from lanner.purge import purge_ended
from lanner.states import State
from tests.support import InstanceHarness

FLOW = """
id: filed
namespace: qa.purge
inputs:
  - id: data
    type: FILE
  - id: nap
    type: STRING
    defaults: PT0S
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "got {{ inputs.data }}"
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ inputs.nap }}"
"""


async def _count(harness: InstanceHarness, table: sa.Table) -> int:
    async with harness.instance.backend.db.transaction(write=False) as connection:
        return int(
            (await connection.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
        )


async def test_purge_removes_only_ended(instance: InstanceHarness) -> None:
    data = {"data": UploadedFile("data.txt", b"payload")}
    ended = await instance.run(FLOW, files=data)
    created = await instance.instance.executions.create(
        "qa.purge", "filed", {"nap": "PT30S"}, data
    )
    storage = instance.instance.storage
    files_before = [item.key async for item in storage.list("qa/purge/filed/executions/")]
    assert len(files_before) == 2

    counts = await purge_ended(instance.instance.backend, storage, timedelta(0))

    assert ended.state is State.SUCCESS
    assert counts.executions == 1
    assert counts.task_runs == 2
    assert counts.logs >= 1
    remaining = [item.key async for item in storage.list("qa/purge/filed/executions/")]
    assert remaining == [key for key in files_before if f"/{created.id}/" in key]
    assert await _count(instance, executions) == 1
    still = await instance.instance.executions.get(created.id)
    assert not still.state.is_terminal
    async with instance.instance.backend.db.transaction(write=False) as connection:
        orphan_runs = await connection.execute(
            sa.select(task_runs.c.id).where(task_runs.c.execution_id == ended.id)
        )
        orphan_logs = await connection.execute(
            sa.select(logs.c.id).where(logs.c.execution_id == ended.id)
        )
        assert orphan_runs.first() is None
        assert orphan_logs.first() is None
    await instance.instance.executions.kill(created.id)


async def test_purge_keeps_recent(instance: InstanceHarness) -> None:
    await instance.run(FLOW, files={"data": UploadedFile("data.txt", b"x")})

    counts = await purge_ended(instance.instance.backend, instance.instance.storage,
                               timedelta(days=1))

    assert counts.executions == 0
    assert await _count(instance, executions) == 1


def test_purge_command(tmp_path: Path) -> None:
    lanner = str(Path(sys.executable).parent / "lanner")
    database = f"sqlite:///{tmp_path / 'lanner.db'}"
    flow = tmp_path / "flow.yml"
    flow.write_text(
        "id: quick\nnamespace: qa.purge\ntasks:\n"
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n",
        encoding="utf-8",
    )
    environment = {**os.environ, "LANNER_DATA_DIR": str(tmp_path)}
    run = subprocess.run([lanner, "flow", "run", str(flow), "--database", database],
                         capture_output=True, text=True, env=environment, timeout=120)
    assert run.returncode == 0, run.stderr

    bad = subprocess.run([lanner, "sys", "purge", "--older-than", "thirty days", "--database",
                          database], capture_output=True, text=True, env=environment, timeout=60)
    purged = subprocess.run([lanner, "sys", "purge", "--older-than", "PT0S", "--database",
                             database], capture_output=True, text=True, env=environment,
                            timeout=60)

    assert bad.returncode == 1
    assert "thirty days" in bad.stderr
    assert purged.returncode == 0, purged.stderr
    assert "Purged 1 execution(s), 1 task run(s)" in purged.stdout
