"""Searching executions by label through the API, filtered in SQL on each database."""

from __future__ import annotations

import httpx

FLOW = """
id: labelled
namespace: company.team
labels:
  owner: flow-label
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


async def create(api: httpx.AsyncClient, *labels: str) -> str:
    response = await api.post("/executions/company.team/labelled", params={"labels": list(labels)})
    assert response.status_code == 200, response.text
    execution_id: str = response.json()["id"]
    return execution_id


async def search(api: httpx.AsyncClient, *labels: str) -> set[str]:
    response = await api.get("/executions/search", params={"labels": list(labels), "size": 100})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["results"]}


async def test_search_by_labels(api: httpx.AsyncClient) -> None:
    deployed = await api.post(
        "/flows", content=FLOW.encode(), headers={"Content-Type": "application/x-yaml"}
    )
    assert deployed.status_code == 200, deployed.text
    data = await create(api, "team:data", "env:prod")
    data_dev = await create(api, "team:data", "env:dev")
    web = await create(api, "team:web", "url:http://host:80/path")
    plain = await create(api)

    assert await search(api, "team:data") == {data, data_dev}
    assert await search(api, "team:data", "env:prod") == {data}
    assert await search(api, "env:prod", "team:web") == set()
    assert await search(api, "url:http://host:80/path") == {web}
    assert await search(api, "team:dat") == set()
    assert await search(api, "team:") == set()
    assert await search(api) == {data, data_dev, web, plain}
    # The flow's own labels are the execution's too.
    assert await search(api, "owner:flow-label") == {data, data_dev, web, plain}


async def test_search_invalid_filter(api: httpx.AsyncClient) -> None:
    response = await api.get("/executions/search", params={"labels": ["no-separator"]})

    assert response.status_code == 422
    assert response.json()["message"] == ("invalid label filter 'no-separator': expected key:value")


TASK_LABELS = """
id: task_labels
namespace: company.team
tasks:
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels:
      source: task
"""


async def test_search_task_labels(api: httpx.AsyncClient) -> None:
    deployed = await api.post(
        "/flows", content=TASK_LABELS.encode(), headers={"Content-Type": "application/x-yaml"}
    )
    assert deployed.status_code == 200, deployed.text
    response = await api.post("/executions/company.team/task_labels", params={"wait": "true"})
    assert response.json()["state"]["current"] == "SUCCESS"

    assert await search(api, "source:task") == {response.json()["id"]}
