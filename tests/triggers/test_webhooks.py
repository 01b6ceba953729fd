"""Webhook triggers through the API: the execution, the request's data, and 404s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lanner.api.app import create_app
from tests.support import InstanceHarness

HOOK = """
id: hooked
namespace: company.team
inputs:
  - id: who
    type: STRING
    defaults: nobody
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3t
    inputs:
      who: "{{ trigger.parameters.who[0] ?? 'nobody' }}"
  - id: conditional
    type: io.kestra.plugin.core.trigger.Webhook
    key: only-mondays
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.body.day == 'monday' }}"
  - id: dormant
    type: io.kestra.plugin.core.trigger.Webhook
    key: dormant
    disabled: true
"""
URL = "/executions/webhook/company.team/hooked"


@pytest.fixture
async def api(instance: InstanceHarness) -> AsyncIterator[httpx.AsyncClient]:
    await instance.deploy(HOOK)
    transport = httpx.ASGITransport(app=create_app(instance.instance))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://lanner.test/api/v1", timeout=60
    ) as client:
        yield client


async def test_json_body(instance: InstanceHarness, api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"{URL}/s3cr3t?who=ada&who=bob", json={"a": [1, 2]}, headers={"X-Team": "data"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["flowId"] == "hooked"
    assert body["state"]["current"] == "CREATED"
    trigger = body["trigger"]
    assert trigger["id"] == "hook"
    assert trigger["type"] == "io.kestra.plugin.core.trigger.Webhook"
    assert trigger["variables"]["body"] == {"a": [1, 2]}
    assert trigger["variables"]["headers"]["x-team"] == ["data"]
    assert trigger["variables"]["parameters"] == {"who": ["ada", "bob"]}
    assert body["inputs"] == {"who": "ada"}
    ended = await instance.instance.executions.wait_until_finished(body["id"], 60)
    assert ended.state.value == "SUCCESS"


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_other_methods(api: httpx.AsyncClient, method: str) -> None:
    response = await api.request(method, f"{URL}/s3cr3t", content=b"plain text")

    assert response.status_code == 200, response.text
    assert response.json()["trigger"]["variables"]["body"] == "plain text"


async def test_text_body(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{URL}/s3cr3t", content=b"{not json")

    assert response.json()["trigger"]["variables"]["body"] == "{not json"


async def test_conditions(api: httpx.AsyncClient) -> None:
    met = await api.post(f"{URL}/only-mondays", json={"day": "monday"})
    unmet = await api.post(f"{URL}/only-mondays", json={"day": "friday"})

    assert met.status_code == 200
    assert unmet.status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "/executions/webhook/company.team/missing/s3cr3t",
        "/executions/webhook/other/hooked/s3cr3t",
        f"{URL}/wrong-key",
        f"{URL}/dormant",
    ],
)
async def test_not_found(api: httpx.AsyncClient, path: str) -> None:
    response = await api.post(path, json={})

    assert response.status_code == 404
    assert "no enabled webhook trigger" in response.json()["message"]


async def test_disabled_through_api(api: httpx.AsyncClient) -> None:
    key = {"namespace": "company.team", "flowId": "hooked", "triggerId": "hook"}
    response = await api.put("/triggers", json={**key, "disabled": True})
    assert response.status_code == 200
    assert response.json()["disabled"] is True

    assert (await api.post(f"{URL}/s3cr3t", json={})).status_code == 404

    body = {"triggers": [key], "disabled": False}
    response = await api.post("/triggers/set-disabled/by-triggers", json=body)
    assert response.json() == {"count": 1}
    assert (await api.post(f"{URL}/s3cr3t", json={})).status_code == 200


async def test_disabled_flow(instance: InstanceHarness, api: httpx.AsyncClient) -> None:
    disabled = HOOK.replace(
        "namespace: company.team\n", "namespace: company.team\ndisabled: true\n"
    )
    await instance.deploy(disabled)

    assert (await api.post(f"{URL}/s3cr3t", json={})).status_code == 404


async def test_trigger_search(api: httpx.AsyncClient) -> None:
    response = await api.get("/triggers/search", params={"namespace": "company"})

    assert response.status_code == 200
    result = response.json()
    assert result["total"] == 3
    ids = sorted(item["triggerContext"]["triggerId"] for item in result["results"])
    assert ids == ["conditional", "dormant", "hook"]
    hook = next(item for item in result["results"] if item["triggerContext"]["triggerId"] == "hook")
    assert hook["abstractTrigger"]["key"] == "s3cr3t"
    assert hook["triggerContext"]["nextExecutionDate"] is None
