"""Executor messages that cannot be applied are set aside, and nothing else is lost."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from lanner.backend.schema import dead_messages, executions
from lanner.executor.messages import MessageKind
from lanner.states import State
from lanner.timestamps import utc_now
from tests.support import InstanceHarness

SLEEPY = """
id: sleepy
namespace: qa.dead
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.5S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
"""


async def _insert(harness: InstanceHarness, execution_id: str, kind: str, payload: dict) -> None:
    backend = harness.instance.backend
    async with backend.db.transaction() as connection:
        await backend.messages.insert(connection, [(execution_id, kind, payload, None)], utc_now())
    backend.notifier.after_commit(["executor"])


async def _dead(harness: InstanceHarness) -> list[sa.Row]:
    async with harness.instance.backend.db.transaction(write=False) as connection:
        return list(await connection.execute(sa.select(dead_messages)))


async def test_corrupt_payload_set_aside(instance: InstanceHarness) -> None:
    results = await instance.instance.flows.deploy_text(SLEEPY)
    created = await instance.instance.executions.create(results[0].namespace, results[0].id)

    await _insert(instance, created.id, MessageKind.TASK_RUN_RESULT.value, {"attempt": "x"})
    await _insert(instance, created.id, "no.such.kind", {})
    finished = await instance.instance.executions.wait_until_finished(created.id, 60)

    assert finished.state is State.SUCCESS
    dead = await _dead(instance)
    assert len(dead) == 2
    errors = sorted(row.error for row in dead)
    assert any("taskRunId" in error or "attempt" in error for error in errors)
    assert any("no.such.kind" in error for error in errors)
    assert all(row.execution_id == created.id for row in dead)


async def test_message_of_unknown_execution_set_aside(instance: InstanceHarness) -> None:
    await _insert(instance, "NoSuchExecution000000", MessageKind.KILL.value, {})

    for _ in range(100):
        dead = await _dead(instance)
        if dead:
            break
        await asyncio.sleep(0.1)
    assert len(dead) == 1
    assert dead[0].execution_id == "NoSuchExecution000000"
    assert "does not exist" in dead[0].error


async def test_unknown_flow_revision_fails_execution(instance: InstanceHarness) -> None:
    results = await instance.instance.flows.deploy_text(SLEEPY)
    created = await instance.instance.executions.create(results[0].namespace, results[0].id)
    await instance.instance.executions.wait_until_finished(created.id, 60)
    backend = instance.instance.backend
    async with backend.db.transaction() as connection:
        await connection.execute(
            sa.update(executions)
            .where(executions.c.id == created.id)
            .values(flow_revision=99, state=State.RUNNING.value)
        )
        await backend.messages.insert(
            connection, [(created.id, MessageKind.KILL.value, {}, None)], utc_now()
        )
    backend.notifier.after_commit(["executor"])

    for _ in range(100):
        state = await instance.instance.executions.get(created.id)
        if state.state is State.FAILED:
            break
        await asyncio.sleep(0.1)
    assert state.state is State.FAILED
    dead = await _dead(instance)
    assert len(dead) == 1
    assert "revision 99" in dead[0].error
    logs = await instance.logs(state)
    assert any("revision 99" in entry.message for entry in logs)
