"""Resume, restart, replay and a task run's state through the API, at Kestra's paths."""

from __future__ import annotations

import asyncio

import httpx

from tests.support import InstanceHarness

YAML = {"Content-Type": "application/x-yaml"}

PAUSED = """
id: approval
namespace: qa.actions
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "approved={{ outputs.wait.onResume.approved }}"
"""

FAILING = """
id: failing
namespace: qa.actions
inputs:
  - id: fail
    type: BOOLEAN
    defaults: true
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: three
"""


async def deploy(api: httpx.AsyncClient, source: str) -> None:
    response = await api.post("/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text


async def create(api: httpx.AsyncClient, flow_id: str) -> str:
    response = await api.post(f"/executions/qa.actions/{flow_id}")
    assert response.status_code == 200, response.text
    execution_id: str = response.json()["id"]
    return execution_id


async def state_of(api: httpx.AsyncClient, execution_id: str) -> str:
    response = await api.get(f"/executions/{execution_id}")
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]["current"]
    return state


async def wait_for_state(api: httpx.AsyncClient, execution_id: str, expected: str) -> None:
    for _ in range(600):
        if await state_of(api, execution_id) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{execution_id} never reached {expected}")


async def finish(instance: InstanceHarness, execution_id: str) -> dict[str, object]:
    await instance.instance.executions.wait_until_finished(execution_id, timeout=60)
    execution = await instance.instance.executions.get(execution_id)
    return {run.task_id: run for run in execution.task_runs.values()}


async def failed_execution(
    api: httpx.AsyncClient, instance: InstanceHarness
) -> tuple[str, dict[str, str]]:
    """Run the failing flow to its end; return its id and its task run ids by task id."""
    await deploy(api, FAILING)
    execution_id = await create(api, "failing")
    await finish(instance, execution_id)
    execution = (await api.get(f"/executions/{execution_id}")).json()
    return execution_id, {run["taskId"]: run["id"] for run in execution["taskRunList"]}


async def test_resume_with_inputs(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, PAUSED)
    execution_id = await create(api, "approval")
    await wait_for_state(api, execution_id, "PAUSED")

    response = await api.post(f"/executions/{execution_id}/resume", data={"approved": "true"})

    assert response.status_code == 204, response.text
    await finish(instance, execution_id)
    execution = (await api.get(f"/executions/{execution_id}")).json()
    assert execution["state"]["current"] == "SUCCESS"
    after = next(run for run in execution["taskRunList"] if run["taskId"] == "after")
    assert after["outputs"]["value"] == "approved=true"


async def test_resume_rejects_bad_input(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, PAUSED)
    execution_id = await create(api, "approval")
    await wait_for_state(api, execution_id, "PAUSED")

    response = await api.post(f"/executions/{execution_id}/resume", data={"approved": "maybe"})

    assert response.status_code == 422, response.text
    assert "approved" in response.json()["message"]
    assert await state_of(api, execution_id) == "PAUSED"
    killed = await api.delete(f"/executions/{execution_id}/kill")
    assert killed.status_code == 202, killed.text
    await finish(instance, execution_id)


async def test_restart_failed_execution(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id, _ = await failed_execution(api, instance)
    assert await state_of(api, execution_id) == "FAILED"

    response = await api.post(f"/executions/{execution_id}/restart")

    assert response.status_code == 200, response.text
    assert response.json()["id"] == execution_id
    # The executor applies the restart later: wait for the second attempt to end.
    for _ in range(600):
        execution = (await api.get(f"/executions/{execution_id}")).json()
        check = next(run for run in execution["taskRunList"] if run["taskId"] == "check")
        if len(check["attempts"]) == 2 and execution["state"]["current"] == "FAILED":
            break
        await asyncio.sleep(0.05)
    assert len(check["attempts"]) == 2
    histories = [entry["state"] for entry in execution["state"]["histories"]]
    assert "RESTARTED" in histories


async def test_replay_from_task_run(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id, task_runs = await failed_execution(api, instance)

    response = await api.post(
        f"/executions/{execution_id}/replay", params={"taskRunId": task_runs["check"]}
    )

    assert response.status_code == 200, response.text
    replayed = response.json()
    assert replayed["id"] != execution_id
    assert replayed["originalId"] == execution_id
    await finish(instance, replayed["id"])
    assert await state_of(api, replayed["id"]) == "FAILED"


async def test_set_task_run_state(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id, task_runs = await failed_execution(api, instance)

    response = await api.post(
        f"/executions/{execution_id}/state",
        json={"taskRunId": task_runs["check"], "state": "SUCCESS"},
    )

    assert response.status_code == 200, response.text
    await wait_for_state(api, execution_id, "SUCCESS")
    tasks = await finish(instance, execution_id)
    assert "last" in tasks


async def test_replay_unknown_task_run(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id, _ = await failed_execution(api, instance)

    response = await api.post(
        f"/executions/{execution_id}/replay", params={"taskRunId": "noSuchTaskRun"}
    )

    assert response.status_code == 404, response.text
    assert "noSuchTaskRun" in response.json()["message"]


async def test_set_state_not_an_end_state(
    api: httpx.AsyncClient, instance: InstanceHarness
) -> None:
    execution_id, task_runs = await failed_execution(api, instance)

    response = await api.post(
        f"/executions/{execution_id}/state",
        json={"taskRunId": task_runs["first"], "state": "RUNNING"},
    )

    assert response.status_code == 409, response.text
    assert "choose an end state" in response.json()["message"]


async def test_actions_on_unknown_execution(api: httpx.AsyncClient) -> None:
    for action in ("resume", "restart", "replay"):
        response = await api.post(f"/executions/unknownExecution1/{action}")

        assert response.status_code == 404, (action, response.text)
        assert "unknownExecution1" in response.json()["message"]
