"""Log endpoints on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx

from tests.api.sources import CHATTY, HELLO
from tests.api.test_executions import deploy, finish, sse_events
from tests.support import InstanceHarness


async def run_chatty(api: httpx.AsyncClient, instance: InstanceHarness) -> str:
    await deploy(api, CHATTY)
    execution_id: str = (await api.post("/executions/qa.api/chatty")).json()["id"]
    await finish(instance, execution_id)
    return execution_id


async def test_list_logs(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id = await run_chatty(api, instance)

    response = await api.get(f"/logs/{execution_id}")

    assert response.status_code == 200
    entries = response.json()
    assert [entry["message"] for entry in entries] == ["quiet line", "loud line"]
    assert [entry["level"] for entry in entries] == ["DEBUG", "WARN"]
    first = entries[0]
    assert first["executionId"] == execution_id
    assert first["namespace"] == "qa.api"
    assert first["flowId"] == "chatty"
    assert first["taskId"] == "debug"
    assert first["taskRunId"]
    assert first["timestamp"].endswith("Z")


async def test_list_logs_filters(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id = await run_chatty(api, instance)
    entries = (await api.get(f"/logs/{execution_id}")).json()
    quiet_run = entries[0]["taskRunId"]

    warn = await api.get(f"/logs/{execution_id}", params={"minLevel": "warn"})
    by_run = await api.get(f"/logs/{execution_id}", params={"taskRunId": quiet_run})
    by_task = await api.get(f"/logs/{execution_id}", params={"taskId": "warn"})
    by_attempt = await api.get(f"/logs/{execution_id}", params={"attempt": 9})

    assert [entry["message"] for entry in warn.json()] == ["loud line"]
    assert [entry["message"] for entry in by_run.json()] == ["quiet line"]
    assert [entry["message"] for entry in by_task.json()] == ["loud line"]
    assert by_attempt.json() == []


async def test_list_logs_bad_level(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    execution_id = await run_chatty(api, instance)

    response = await api.get(f"/logs/{execution_id}", params={"minLevel": "LOUD"})

    assert response.status_code == 422
    assert "'LOUD'" in response.json()["message"]


async def test_list_logs_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/logs/nope")

    assert response.status_code == 404
    assert "'nope'" in response.json()["message"]


async def test_follow_logs_until_end(api: httpx.AsyncClient) -> None:
    await deploy(api, CHATTY)
    execution_id = (await api.post("/executions/qa.api/chatty")).json()["id"]

    response = await api.get(f"/logs/{execution_id}/follow")

    assert response.status_code == 200
    events = sse_events(response.text)
    assert events[0] == {"id": "start", "data": "{}"}
    assert events[-1] == {"id": "end", "data": "{}"}
    lines = [json.loads(event["data"]) for event in events[1:-1]]
    assert [line["message"] for line in lines] == ["quiet line", "loud line"]
    assert {event["id"] for event in events[1:-1]} == {"progress"}


async def test_follow_logs_min_level(api: httpx.AsyncClient) -> None:
    await deploy(api, CHATTY)
    execution_id = (await api.post("/executions/qa.api/chatty")).json()["id"]

    response = await api.get(f"/logs/{execution_id}/follow", params={"minLevel": "WARN"})

    lines = [json.loads(event["data"]) for event in sse_events(response.text)[1:-1]]
    assert [line["message"] for line in lines] == ["loud line"]


async def test_follow_logs_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/logs/nope/follow")

    assert response.status_code == 404


async def test_follow_logs_of_ended(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)
    execution_id = (await api.post("/executions/qa.api/hello")).json()["id"]
    await finish(instance, execution_id)

    response = await api.get(f"/logs/{execution_id}/follow")

    events = sse_events(response.text)
    assert [event["id"] for event in events] == ["start", "progress", "end"]
    assert json.loads(events[1]["data"])["message"] == "hello world"
