"""Worker groups: a task with `workerGroup.key` runs only on a worker of that group."""

from __future__ import annotations

from pathlib import Path

from lanner.states import State
from tests.crash.processes import Client, Component

GROUPED = """
id: grouped
namespace: qa.groups
tasks:
  - id: anywhere
    type: io.kestra.plugin.core.log.Log
    message: default group
  - id: on_gpu
    type: io.kestra.plugin.core.log.Log
    message: gpu group
    workerGroup:
      key: gpu
"""


async def test_tasks_run_on_their_group(
    crash_database: str, tmp_path: Path, components: list[Component]
) -> None:
    plain = Component("worker", crash_database, tmp_path)
    gpu = Component("worker", crash_database, tmp_path, "--group", "gpu", "--threads", "2")
    components += [Component("executor", crash_database, tmp_path), plain, gpu]
    for component in components:
        component.start()
    async with Client(crash_database, tmp_path) as client:
        await client.deploy(GROUPED)
        finished = await client.wait((await client.create("qa.groups", "grouped")).id)

    assert finished.state is State.SUCCESS
    anywhere = finished.runs_of_task("anywhere")[0].attempts[0].worker_id or ""
    on_gpu = finished.runs_of_task("on_gpu")[0].attempts[0].worker_id or ""
    assert f"-{plain.pid}-" in anywhere
    assert f"-{gpu.pid}-" in on_gpu
