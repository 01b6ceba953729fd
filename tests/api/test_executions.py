"""Execution endpoints on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx

from lanner.storage import key_from_uri
from tests.api.sources import DISABLED, HELLO, SLEEPY, TYPED_INPUTS
from tests.support import InstanceHarness

YAML = {"Content-Type": "application/x-yaml"}
FINISHED = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"}


async def deploy(api: httpx.AsyncClient, source: str) -> None:
    response = await api.post("/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text


async def finish(instance: InstanceHarness, execution_id: str) -> None:
    await instance.instance.executions.wait_until_finished(execution_id, timeout=60)


def sse_events(text: str) -> list[dict[str, str]]:
    """Parse a server-sent event stream into its events, skipping comments."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = fields[name] + "\n" + value if name in fields else value
        if fields:
            events.append(fields)
    return events


async def test_create_returns_execution(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.post("/executions/qa.api/hello", data={"name": "api"})

    assert response.status_code == 200
    execution = response.json()
    assert execution["namespace"] == "qa.api"
    assert execution["flowId"] == "hello"
    assert execution["flowRevision"] == 1
    assert execution["state"]["current"] == "CREATED"
    assert execution["inputs"] == {"name": "api"}
    assert {"key": "team", "value": "data"} in execution["labels"]


async def test_create_without_body(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)

    response = await api.post("/executions/qa.api/hello")

    assert response.status_code == 200
    assert response.json()["inputs"] == {"name": "world"}
    await finish(instance, response.json()["id"])


async def test_create_with_file(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, TYPED_INPUTS)

    response = await api.post(
        "/executions/qa.api/typed",
        data={"count": "3", "ratio": "0.5"},
        files={"data": ("../notes.txt", b"file content")},
    )

    assert response.status_code == 200, response.text
    execution = response.json()
    assert execution["inputs"]["count"] == 3
    assert execution["inputs"]["ratio"] == 0.5
    uri = execution["inputs"]["data"]
    assert uri.startswith("kestra://")
    assert uri.endswith("/notes.txt")
    assert await instance.instance.storage.get(key_from_uri(uri)) == b"file content"
    await finish(instance, execution["id"])


async def test_create_labels_and_revision(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    await api.put("/flows/qa.api/hello", content=HELLO.replace("hello {{", "hi {{"), headers=YAML)

    response = await api.post(
        "/executions/qa.api/hello",
        params=[("labels", "env:test"), ("labels", "team:ops"), ("revision", "1")],
    )

    assert response.status_code == 200
    execution = response.json()
    assert execution["flowRevision"] == 1
    assert {"key": "env", "value": "test"} in execution["labels"]
    assert {"key": "team", "value": "ops"} in execution["labels"]


async def test_create_bad_labels(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.post(
        "/executions/qa.api/hello",
        params=[("labels", "novalue"), ("labels", "system.secret:x"), ("labels", "ok:1")],
    )

    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [problem["path"] for problem in problems] == ["labels[0]", "labels[1]"]
    assert (await api.get("/executions/search")).json()["total"] == 0


async def test_create_unknown_flow_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/executions/qa.api/missing")

    assert response.status_code == 404
    assert "qa.api.missing" in response.json()["message"]


async def test_create_unknown_revision_is_404(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.post("/executions/qa.api/hello", params={"revision": 9})

    assert response.status_code == 404
    assert "revision 9" in response.json()["message"]


async def test_create_invalid_inputs_lists_each(api: httpx.AsyncClient) -> None:
    await deploy(api, TYPED_INPUTS)

    response = await api.post("/executions/qa.api/typed", data={"count": "three", "ratio": "half"})

    assert response.status_code == 422
    body = response.json()
    assert "no execution was created" in body["message"]
    messages = [problem["message"] for problem in body["problems"]]
    assert len(messages) == 3
    for name in ("'count'", "'ratio'", "'data'"):
        assert any(name in message for message in messages), name
    assert (await api.get("/executions/search")).json()["total"] == 0


async def test_create_disabled_is_409(api: httpx.AsyncClient) -> None:
    await deploy(api, DISABLED)

    response = await api.post("/executions/qa.api/switched_off")

    assert response.status_code == 409
    assert "disabled" in response.json()["message"]


async def test_create_json_body_is_415(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.post("/executions/qa.api/hello", json={"name": "x"})

    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["message"]


async def test_create_two_files_rejected(api: httpx.AsyncClient) -> None:
    await deploy(api, TYPED_INPUTS)

    response = await api.post(
        "/executions/qa.api/typed",
        data={"count": "1", "ratio": "1"},
        files=[("data", ("a.txt", b"a")), ("data", ("b.txt", b"b"))],
    )

    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "data"


async def test_create_wait_returns_end(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.post("/executions/qa.api/hello", params={"wait": "true"})

    assert response.status_code == 200
    execution = response.json()
    assert execution["state"]["current"] == "SUCCESS"
    assert [run["taskId"] for run in execution["taskRunList"]] == ["greet"]


async def test_get_execution(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)
    created = (await api.post("/executions/qa.api/hello")).json()
    await finish(instance, created["id"])

    response = await api.get(f"/executions/{created['id']}")

    assert response.status_code == 200
    execution = response.json()
    assert execution["id"] == created["id"]
    assert execution["state"]["current"] == "SUCCESS"
    assert execution["state"]["endDate"] is not None
    run = execution["taskRunList"][0]
    assert run["taskId"] == "greet"
    assert run["state"]["current"] == "SUCCESS"


async def test_get_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/executions/nope")

    assert response.status_code == 404
    assert "'nope'" in response.json()["message"]


async def test_search_filters(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)
    await deploy(api, SLEEPY)
    ids = [(await api.post("/executions/qa.api/hello")).json()["id"] for _ in range(3)]
    for execution_id in ids:
        await finish(instance, execution_id)
    sleeping = (await api.post("/executions/qa.api/sleepy")).json()["id"]

    everything = await api.get("/executions/search", params={"namespace": "qa"})
    hello = await api.get("/executions/search", params={"flowId": "hello", "size": 2})
    succeeded = await api.get(
        "/executions/search", params=[("state", "SUCCESS"), ("state", "WARNING")]
    )
    later = await api.get("/executions/search", params={"startDate": "2999-01-01T00:00:00Z"})
    earlier = await api.get("/executions/search", params={"endDate": "2000-01-01T00:00:00"})
    other = await api.get("/executions/search", params={"namespace": "elsewhere"})

    assert everything.json()["total"] == 4
    assert hello.json()["total"] == 3
    assert len(hello.json()["results"]) == 2
    assert {item["id"] for item in succeeded.json()["results"]} == set(ids)
    assert sleeping not in {item["id"] for item in succeeded.json()["results"]}
    assert later.json() == {"results": [], "total": 0}
    assert earlier.json()["total"] == 0
    assert other.json()["total"] == 0
    assert "taskRunList" not in everything.json()["results"][0]
    await api.delete(f"/executions/{sleeping}/kill")
    await finish(instance, sleeping)


async def test_kill_running(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, SLEEPY)
    created = (await api.post("/executions/qa.api/sleepy")).json()

    response = await api.delete(f"/executions/{created['id']}/kill")

    assert response.status_code == 202
    await finish(instance, created["id"])
    execution = (await api.get(f"/executions/{created['id']}")).json()
    assert execution["state"]["current"] == "KILLED"


async def test_kill_finished_is_409(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)
    created = (await api.post("/executions/qa.api/hello")).json()
    await finish(instance, created["id"])

    response = await api.delete(f"/executions/{created['id']}/kill")

    assert response.status_code == 409
    assert "SUCCESS" in response.json()["message"]


async def test_kill_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.delete("/executions/nope/kill")

    assert response.status_code == 404
    assert "'nope'" in response.json()["message"]


async def test_follow_ends_with_final_state(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    created = (await api.post("/executions/qa.api/hello")).json()

    response = await api.get(f"/executions/{created['id']}/follow")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1]["id"] == "end"
    final = json.loads(events[-1]["data"])
    assert final["id"] == created["id"]
    assert final["state"]["current"] == "SUCCESS"
    assert final["taskRunList"][0]["state"]["current"] == "SUCCESS"
    assert [event["id"] for event in events[:-1]] == ["start"] + ["progress"] * (len(events) - 2)
    for event in events[:-1]:
        assert json.loads(event["data"])["state"]["current"] not in FINISHED


async def test_follow_finished_sends_end(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await deploy(api, HELLO)
    created = (await api.post("/executions/qa.api/hello")).json()
    await finish(instance, created["id"])

    response = await api.get(f"/executions/{created['id']}/follow")

    events = sse_events(response.text)
    assert [event["id"] for event in events] == ["end"]


async def test_follow_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/executions/nope/follow")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
