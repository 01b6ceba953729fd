"""Jobs of workers that stop are handed on, and a stopped worker can no longer report them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from lanner.backend.jobs import JobResult
from lanner.backend.schema import components, worker_jobs
from lanner.liveness import hand_on_orphan_jobs
from lanner.states import State
from lanner.timestamps import utc_now
from tests.support import InstanceHarness

NAP = """
id: nap
namespace: qa.liveness
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after the nap"
"""


def _harness(database_url: str, tmp_path: Path) -> InstanceHarness:
    harness = InstanceHarness(database_url, tmp_path)
    harness.settings.liveness.heartbeat_interval = 0.2
    harness.settings.liveness.heartbeat_timeout = 1.0
    harness.settings.worker.shutdown_timeout = 0.2
    return harness


async def _claim_as_ghost(harness: InstanceHarness, claimed_ago: float) -> tuple[int, str]:
    """Claim the pending job as a worker that registers, then never heartbeats again."""
    backend = harness.instance.backend
    for _ in range(200):
        async with backend.db.transaction() as connection:
            pending = (await connection.execute(sa.select(worker_jobs))).first()
        if pending is not None:
            break
        await asyncio.sleep(0.05)
    then = utc_now() - timedelta(seconds=claimed_ago)
    async with backend.db.transaction() as connection:
        await backend.components.register(connection, "ghost", "worker", "nowhere", 1, None, then)
        jobs = await backend.jobs.claim(connection, "ghost", None, 1, then)
    assert len(jobs) == 1
    return jobs[0].id, jobs[0].claim_token


async def test_dead_worker_job_runs_again(database_url: str, tmp_path: Path) -> None:
    harness = _harness(database_url, tmp_path)
    await harness.start(executor=True, worker=False)
    try:
        results = await harness.instance.flows.deploy_text(NAP)
        created = await harness.instance.executions.create(results[0].namespace, results[0].id)
        job_id, token = await _claim_as_ghost(harness, claimed_ago=5)

        # A live worker joins; the executor declares the ghost dead and hands its job on.
        harness2 = _harness(database_url, tmp_path / "second")
        await harness2.start(executor=False, worker=True)
        assert harness2.instance.worker is not None
        live_worker = harness2.instance.worker.id
        try:
            finished = await harness.instance.executions.wait_until_finished(created.id, 60)
        finally:
            await harness2.stop()

        assert finished.state is State.SUCCESS
        nap = finished.runs_of_task("nap")[0]
        assert len(nap.attempts) == 2
        assert nap.attempts[0].state is State.FAILED
        assert nap.attempts[1].state is State.SUCCESS
        assert nap.attempts[1].worker_id == live_worker
        assert [item.state for item in nap.attempts[1].histories] == [
            State.CREATED,
            State.RUNNING,
            State.SUCCESS,
        ]
        logs = await harness.logs(finished)
        assert any("ghost" in entry.message and "attempt 2" in entry.message for entry in logs)

        # The ghost comes back and reports: its result is rejected.
        backend = harness.instance.backend
        async with backend.db.transaction() as connection:
            accepted = await backend.jobs.finish(
                connection,
                [
                    JobResult(
                        job_id,
                        token,
                        created.id,
                        {"taskRunId": nap.id, "attempt": 1, "state": "SUCCESS"},
                    )
                ],
                utc_now(),
            )
            ghost = await connection.execute(
                sa.select(components).where(components.c.id == "ghost")
            )
            assert ghost.first() is None
        assert accepted == []
    finally:
        await harness.stop()


async def test_dead_worker_of_killed_execution(database_url: str, tmp_path: Path) -> None:
    harness = _harness(database_url, tmp_path)
    await harness.start(executor=True, worker=False)
    try:
        results = await harness.instance.flows.deploy_text(NAP)
        created = await harness.instance.executions.create(results[0].namespace, results[0].id)
        await _claim_as_ghost(harness, claimed_ago=0)
        await harness.instance.executions.kill(created.id)

        finished = await harness.instance.executions.wait_until_finished(created.id, 60)

        assert finished.state is State.KILLED
        nap = finished.runs_of_task("nap")[0]
        assert nap.state is State.KILLED
        assert len(nap.attempts) == 1
        assert finished.runs_of_task("after") == []
    finally:
        await harness.stop()


async def test_stopping_worker_hands_back(database_url: str, tmp_path: Path) -> None:
    slow = NAP.replace("PT1S", "PT30S").replace("id: nap\nnamespace", "id: slow_nap\nnamespace")
    harness = _harness(database_url, tmp_path)
    await harness.start(executor=True, worker=True)
    try:
        created_id = await _start_napping(harness, slow)
        assert harness.instance.worker is not None
        first_worker = harness.instance.worker.id

        # Stop only the worker: the sleeping job goes back to the queue as a new attempt.
        await _stop_worker(harness)
        execution = await harness.instance.executions.get(created_id)
        for _ in range(200):
            execution = await harness.instance.executions.get(created_id)
            if len(execution.runs_of_task("nap")[0].attempts) == 2:
                break
            await asyncio.sleep(0.05)
        nap = execution.runs_of_task("nap")[0]
        assert len(nap.attempts) == 2
        assert nap.attempts[0].state is State.FAILED
        assert nap.attempts[0].worker_id == first_worker
        assert nap.state is not State.FAILED
    finally:
        await harness.stop()


async def test_stopping_worker_keeps_heartbeat(database_url: str, tmp_path: Path) -> None:
    # The shutdown timeout is longer than the heartbeat timeout: a worker finishing its task
    # runs must not be declared dead meanwhile, or they would run twice.
    # No task after the nap: once the worker has stopped, none would run it.
    slow = NAP.replace("PT1S", "PT2S").replace("id: nap\nnamespace", "id: slow_nap\nnamespace")
    slow = slow[: slow.index("  - id: after")]
    harness = _harness(database_url, tmp_path)
    await harness.start(executor=True, worker=False)
    worker = _harness(database_url, tmp_path / "worker")
    worker.settings.worker.shutdown_timeout = 10.0
    await worker.start(executor=False, worker=True)
    try:
        assert worker.instance.worker is not None
        worker_id = worker.instance.worker.id
        created_id = await _start_napping(harness, slow)

        # As SIGTERM does: the worker stops claiming and lets the nap finish.
        worker.instance.stopping.set()
        finished = await harness.instance.executions.wait_until_finished(created_id, 60)

        nap = finished.runs_of_task("nap")[0]
        assert nap.state is State.SUCCESS
        assert len(nap.attempts) == 1
        assert nap.attempts[0].worker_id == worker_id
    finally:
        await worker.stop()
        await harness.stop()


async def test_silent_executor_registration_removed(database_url: str, tmp_path: Path) -> None:
    harness = _harness(database_url, tmp_path)
    await harness.start(executor=False, worker=False)
    try:
        backend = harness.instance.backend
        long_ago = utc_now() - timedelta(seconds=60)
        async with backend.db.transaction() as connection:
            await backend.components.register(
                connection, "gone-executor", "executor", "nowhere", 1, None, long_ago
            )
            await backend.components.register(
                connection, "live-scheduler", "scheduler", "here", 2, None, utc_now()
            )

        await hand_on_orphan_jobs(backend, harness.settings.liveness)

        async with backend.db.transaction() as connection:
            rows = await connection.execute(sa.select(components.c.id))
            remaining = {row[0] for row in rows}
        assert "gone-executor" not in remaining
        assert "live-scheduler" in remaining
    finally:
        await harness.stop()


async def _start_napping(harness: InstanceHarness, source: str) -> str:
    """Deploy and start the flow, and return its execution id once the nap task runs."""
    results = await harness.instance.flows.deploy_text(source)
    created = await harness.instance.executions.create(results[0].namespace, results[0].id)
    for _ in range(200):
        execution = await harness.instance.executions.get(created.id)
        runs = execution.runs_of_task("nap")
        if runs and runs[0].state is State.RUNNING:
            break
        await asyncio.sleep(0.05)
    return created.id


async def _stop_worker(harness: InstanceHarness) -> None:
    """Stop the worker component alone, as SIGTERM stops a worker process."""
    await harness.instance.stop_component("worker")
