"""Processes killed with SIGKILL at any moment: nothing is lost, nothing is applied twice."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from lanner.backend.schema import worker_jobs
from lanner.executions.model import Execution
from lanner.states import State
from tests import postgres
from tests.crash.processes import COMPONENT_APPLICATION_NAME, Client, Component

FOREACH_100 = """
id: foreach_100
namespace: qa.crash
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 100) }}"
    concurrencyLimit: 0
    tasks:
      - id: out
        type: io.kestra.plugin.core.output.OutputValues
        values:
          value: "{{ taskrun.value }}"
"""

NAP = """
id: nap
namespace: qa.crash
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after the nap"
"""


def check_foreach_100(execution: Execution) -> None:
    assert execution.state is State.SUCCESS
    assert len(execution.task_runs) == 101
    runs = execution.runs_of_task("out")
    values = Counter(run.value for run in runs)
    assert sorted(values, key=int) == [str(value) for value in range(1, 101)]
    assert max(values.values()) == 1, "a task run was created twice"
    for run in runs:
        assert run.state is State.SUCCESS
        assert run.outputs == {"values": {"value": run.value}}


async def kill_executor_during_foreach(
    database_url: str, directory: Path, components: list[Component], seed: int
) -> None:
    rng = random.Random(seed)
    executor = Component("executor", database_url, directory)
    worker = Component("worker", database_url, directory)
    components += [executor, worker]
    worker.start()
    executor.start()
    async with Client(database_url, directory) as client:
        await client.deploy(FOREACH_100)
        created = await client.create("qa.crash", "foreach_100")
        for _ in range(3):
            await asyncio.sleep(rng.uniform(0.05, 1.0))
            executor.kill()
            executor.start()
        finished = await client.wait(created.id, timeout=180)
    check_foreach_100(finished)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_executor_killed_during_foreach(
    crash_database: str, tmp_path: Path, components: list[Component], seed: int
) -> None:
    await kill_executor_during_foreach(crash_database, tmp_path, components, seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 125))
async def test_executor_killed_many_times(
    tmp_path: Path, components: list[Component], seed: int
) -> None:
    name = postgres.create_database()
    try:
        await kill_executor_during_foreach(postgres.server_url(name), tmp_path, components, seed)
    finally:
        for component in components:
            component.kill()
        postgres.drop_database(name)


async def _claimer(client: Client, execution_id: str) -> str:
    backend = client.instance.backend
    for _ in range(300):
        async with backend.db.transaction(write=False) as connection:
            row = (
                await connection.execute(
                    sa.select(worker_jobs.c.worker_id).where(
                        worker_jobs.c.execution_id == execution_id,
                        worker_jobs.c.worker_id.is_not(None),
                    )
                )
            ).first()
        if row is not None:
            return str(row[0])
        await asyncio.sleep(0.05)
    raise AssertionError("no worker claimed the job")


def _by_pid(workers: list[Component], worker_id: str) -> Component:
    return next(worker for worker in workers if f"-{worker.pid}-" in worker_id)


async def test_worker_killed_job_goes_elsewhere(
    crash_database: str, tmp_path: Path, components: list[Component]
) -> None:
    workers = [Component("worker", crash_database, tmp_path) for _ in range(2)]
    executor = Component("executor", crash_database, tmp_path)
    components += [executor, *workers]
    for component in components:
        component.start()
    async with Client(crash_database, tmp_path) as client:
        await client.deploy(NAP)
        created = await client.create("qa.crash", "nap")
        victim_id = await _claimer(client, created.id)
        _by_pid(workers, victim_id).kill()
        finished = await client.wait(created.id, timeout=120)

    assert finished.state is State.SUCCESS
    nap = finished.runs_of_task("nap")[0]
    assert len(nap.attempts) == 2
    assert nap.attempts[0].worker_id == victim_id
    assert nap.attempts[0].state is State.FAILED
    assert nap.attempts[1].worker_id != victim_id
    assert nap.attempts[1].state is State.SUCCESS
    assert finished.runs_of_task("after")[0].state is State.SUCCESS


async def test_killed_execution_not_handed_on(
    crash_database: str, tmp_path: Path, components: list[Component]
) -> None:
    workers = [Component("worker", crash_database, tmp_path) for _ in range(2)]
    executor = Component("executor", crash_database, tmp_path)
    components += [executor, *workers]
    for component in components:
        component.start()
    async with Client(crash_database, tmp_path) as client:
        await client.deploy(NAP)
        created = await client.create("qa.crash", "nap")
        victim_id = await _claimer(client, created.id)
        _by_pid(workers, victim_id).kill()
        await client.instance.executions.kill(created.id)
        finished = await client.wait(created.id, timeout=120)

    assert finished.state is State.KILLED
    nap = finished.runs_of_task("nap")[0]
    assert nap.state is State.KILLED
    assert len(nap.attempts) == 1
    assert finished.runs_of_task("after") == []


MIXED = [
    FOREACH_100.replace("range(1, 100)", "range(1, 5)").replace("foreach_100", "small_loop"),
    """
id: branches
namespace: qa.crash
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.debug.Return
        format: a
      - id: b
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT0.2S
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.a.value == 'a' }}"
    then:
      - id: confirmed
        type: io.kestra.plugin.core.log.Log
        message: "yes"
""",
    """
id: failing
namespace: qa.crash
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
errors:
  - id: handled
    type: io.kestra.plugin.core.log.Log
    message: handled
""",
]


async def test_two_executors_two_workers(
    crash_database: str, tmp_path: Path, components: list[Component]
) -> None:
    components += [Component("executor", crash_database, tmp_path) for _ in range(2)]
    components += [Component("worker", crash_database, tmp_path) for _ in range(2)]
    for component in components:
        component.start()
    async with Client(crash_database, tmp_path) as client:
        for source in MIXED:
            await client.deploy(source)
        ids: dict[str, str] = {}
        for number in range(200):
            flow_id = ("small_loop", "branches", "failing")[number % 3]
            ids[(await client.create("qa.crash", flow_id)).id] = flow_id
        finished = await client.wait_all(list(ids), timeout=600)

    expected = {"small_loop": (State.SUCCESS, 6), "branches": (State.SUCCESS, 5),
                "failing": (State.FAILED, 2)}
    for execution in finished:
        state, task_runs = expected[ids[execution.id]]
        assert execution.state is state, execution.id
        assert len(execution.task_runs) == task_runs, execution.id
        assert all(run.state.is_terminal for run in execution.task_runs.values())


def _terminate_backends(database: str) -> int:
    with psycopg.connect(
        host=postgres.HOST, port=postgres.PORT, user=postgres.USER, dbname="postgres",
        autocommit=True,
    ) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = %s",
            (database, COMPONENT_APPLICATION_NAME),
        ).fetchall()
    return len(rows)


async def test_connections_dropped_mid_run(
    crash_database: str, tmp_path: Path, components: list[Component]
) -> None:
    executor = Component("executor", crash_database, tmp_path)
    worker = Component("worker", crash_database, tmp_path)
    components += [executor, worker]
    for component in components:
        component.start()
    database = crash_database.rsplit("/", 1)[1]
    slow_loop = FOREACH_100.replace("range(1, 100)", "range(1, 20)").replace(
        "concurrencyLimit: 0", "concurrencyLimit: 2"
    ).replace("foreach_100", "slow_loop")
    async with Client(crash_database, tmp_path / "client") as client:
        await client.deploy(slow_loop)
        ids = [(await client.create("qa.crash", "slow_loop")).id for _ in range(5)]
        for _ in range(300):
            if (await client.instance.executions.get(ids[0])).task_runs:
                break
            await asyncio.sleep(0.05)
        terminated = 0
        for _ in range(4):
            terminated += _terminate_backends(database)
            await asyncio.sleep(0.3)
        finished = await client.wait_all(ids, timeout=300)

    assert terminated > 0
    for execution in finished:
        assert execution.state is State.SUCCESS
        assert len(execution.task_runs) == 21
    logs = executor.log() + worker.log()
    assert "will be retried" in logs or "retrying in" in logs or "reconnecting in" in logs
