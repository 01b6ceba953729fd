"""Flow triggers fire when the executor ends an upstream execution."""

from __future__ import annotations

import asyncio

from lanner.states import State
from tests.support import InstanceHarness

DOWNSTREAM = """
id: downstream
namespace: qa.chain
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "upstream {{ trigger.executionId }} ended {{ trigger.state }}"
triggers:
  - id: after_upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: qa.chain
        flowId: upstream
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [SUCCESS]
"""

UPSTREAM = """
id: upstream
namespace: qa.chain
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: up
"""


async def test_downstream_runs_after_upstream(instance: InstanceHarness) -> None:
    await instance.deploy(DOWNSTREAM)
    upstream = await instance.run(UPSTREAM)
    backend = instance.instance.backend

    downstream = []
    for _ in range(200):
        async with backend.db.transaction(write=False) as connection:
            downstream, _ = await backend.executions.search(connection, flow_id="downstream")
        if downstream and downstream[0].state.is_terminal:
            break
        await asyncio.sleep(0.05)

    assert upstream.state is State.SUCCESS
    assert len(downstream) == 1
    finished = await instance.instance.executions.wait_until_finished(downstream[0].id, 30)
    assert finished.state is State.SUCCESS
    assert finished.trigger is not None
    assert finished.trigger["executionId"] == upstream.id
    messages = [entry.message for entry in await instance.logs(finished)]
    assert f"upstream {upstream.id} ended SUCCESS" in messages
