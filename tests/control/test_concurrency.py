"""Flow concurrency: at most `limit` executions of a flow run at once."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from lanner.backend.schema import executions
from lanner.executions.model import Execution
from lanner.executor.messages import MessageKind
from lanner.executor.related import wake_queued
from lanner.states import State
from tests.control.helpers import until
from tests.support import InstanceHarness


def limited(behavior: str, limit: int = 2, nap: str = "PT0.3S") -> str:
    return f"""
id: limited_{behavior.lower()}
namespace: qa.concurrency
concurrency:
  limit: {limit}
  behavior: {behavior}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: {nap}
"""


def max_running(executions: list[Execution]) -> int:
    """Compute the largest number of executions RUNNING (or PAUSED) at the same instant."""
    events: list[tuple[object, int]] = []
    for execution in executions:
        histories = execution.histories
        for index, item in enumerate(histories):
            if item.state is State.RUNNING and (
                index == 0 or histories[index - 1].state not in (State.RUNNING, State.PAUSED)
            ):
                end = next(
                    (later.date for later in histories[index + 1 :] if later.state.is_terminal),
                    None,
                )
                assert end is not None
                events.append((item.date, 1))
                events.append((end, -1))
    running = peak = 0
    # An end and a start at the same instant: the end counts first.
    for _, change in sorted(events, key=lambda event: (event[0], event[1])):
        running += change
        peak = max(peak, running)
    return peak


async def test_burst_queued_within_limit(instance: InstanceHarness) -> None:
    results = await instance.instance.flows.deploy_text(limited("QUEUE", nap="PT0.2S"))
    flow = results[0]
    created = await asyncio.gather(
        *(instance.instance.executions.create(flow.namespace, flow.id) for _ in range(50))
    )
    finished = [
        await instance.instance.executions.wait_until_finished(item.id, 180) for item in created
    ]

    assert all(item.state is State.SUCCESS for item in finished)
    assert max_running(finished) <= 2
    assert sum(1 for item in finished if State.QUEUED in [h.state for h in item.histories]) >= 40


@pytest.mark.parametrize(
    ("behavior", "state"), [("CANCEL", State.CANCELLED), ("FAIL", State.FAILED)]
)
async def test_over_limit_cancel_or_fail(
    instance: InstanceHarness, behavior: str, state: State
) -> None:
    results = await instance.instance.flows.deploy_text(limited(behavior, limit=1, nap="PT2S"))
    first = await instance.instance.executions.create(results[0].namespace, results[0].id)
    await until(instance, first.id, lambda item: item.state is State.RUNNING)
    second = await instance.instance.executions.create(results[0].namespace, results[0].id)
    refused = await instance.instance.executions.wait_until_finished(second.id, 60)
    done = await instance.instance.executions.wait_until_finished(first.id, 60)

    assert refused.state is state
    assert refused.task_runs == {}
    assert done.state is State.SUCCESS
    messages = [entry.message for entry in await instance.logs(refused)]
    assert any("concurrency limit of 1" in message for message in messages)


async def test_killed_queued_frees_nothing(instance: InstanceHarness) -> None:
    results = await instance.instance.flows.deploy_text(limited("QUEUE", limit=1, nap="PT1S"))
    namespace, flow_id = results[0].namespace, results[0].id
    first = await instance.instance.executions.create(namespace, flow_id)
    await until(instance, first.id, lambda item: item.state is State.RUNNING)
    queued = [await instance.instance.executions.create(namespace, flow_id) for _ in range(3)]
    for item in queued:
        await until(instance, item.id, lambda execution: execution.state is State.QUEUED)
    await instance.instance.executions.kill(queued[0].id)

    finished = [
        await instance.instance.executions.wait_until_finished(item.id, 60)
        for item in [first, *queued]
    ]

    assert [item.state for item in finished] == [
        State.SUCCESS,
        State.KILLED,
        State.SUCCESS,
        State.SUCCESS,
    ]
    assert max_running(finished) <= 1


async def test_paused_execution_holds_slot(instance: InstanceHarness) -> None:
    results = await instance.instance.flows.deploy_text("""
id: paused_slot
namespace: qa.concurrency
concurrency:
  limit: 1
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
""")
    namespace, flow_id = results[0].namespace, results[0].id
    first = await instance.instance.executions.create(namespace, flow_id)
    await until(instance, first.id, lambda item: item.state is State.PAUSED)
    second = await instance.instance.executions.create(namespace, flow_id)
    await until(instance, second.id, lambda item: item.state is State.QUEUED)

    await instance.instance.controls.resume(first.id)
    await until(instance, second.id, lambda item: item.state is State.PAUSED)
    await instance.instance.controls.resume(second.id)
    done = await instance.instance.executions.wait_until_finished(second.id, 60)

    assert done.state is State.SUCCESS


async def test_end_wakes_one_per_free_slot(instance: InstanceHarness) -> None:
    # Two executions that end at once may both wake the same oldest queued one. Waking one
    # execution per free slot keeps the second slot filled all the same.
    await instance.instance.stop_component("executor")
    results = await instance.instance.flows.deploy_text(limited("QUEUE"))
    flow = results[0]
    created = [await instance.instance.executions.create(flow.namespace, flow.id) for _ in range(3)]
    backend = instance.instance.backend
    async with backend.db.transaction() as connection:
        await connection.execute(
            sa.update(executions)
            .where(executions.c.id.in_([item.id for item in created]))
            .values(state=State.QUEUED.value)
        )
    ended = created[0]

    async with backend.db.transaction() as connection:
        executable = await instance.instance.flow_cache.get(
            connection, flow.namespace, flow.id, flow.revision
        )
        woken = await wake_queued(backend, connection, executable, ended)

    # The ended one does not count; the two others fill the two free slots.
    assert [message[0] for message in woken] == [created[1].id, created[2].id]
    assert {message[1] for message in woken} == {MessageKind.EXECUTION_CREATED.value}
