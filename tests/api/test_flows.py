"""Flow endpoints on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.api.sources import HELLO, HELLO_V2, INVALID

YAML = {"Content-Type": "application/x-yaml"}


async def deploy(api: httpx.AsyncClient, source: str) -> httpx.Response:
    return await api.post("/flows", content=source, headers=YAML)


async def test_create_returns_flow(api: httpx.AsyncClient) -> None:
    response = await deploy(api, HELLO)

    assert response.status_code == 200
    flow = response.json()
    assert flow["id"] == "hello"
    assert flow["namespace"] == "qa.api"
    assert flow["revision"] == 1
    assert flow["source"] == HELLO
    assert flow["labels"] == [{"key": "team", "value": "data"}]
    assert flow["tasks"][0]["id"] == "greet"
    assert flow["disabled"] is False
    assert flow["deleted"] is False


async def test_create_existing_rejected(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await deploy(api, HELLO_V2)

    assert response.status_code == 422
    assert "Flow id already exists" in response.json()["message"]


async def test_create_invalid_lists_problems(api: httpx.AsyncClient) -> None:
    response = await deploy(api, INVALID)

    assert response.status_code == 422
    body = response.json()
    assert "broken" in body["message"]
    problems = body["problems"]
    assert len(problems) == 2
    unknown = problems[0]
    assert "unknown task type" in unknown["message"]
    assert unknown["line"] == 5
    assert unknown["column"] is not None
    assert unknown["path"].startswith("tasks[0].type")
    assert unknown["hint"] == "did you mean 'io.kestra.plugin.core.log.Log'?"
    assert problems[1]["path"].startswith("tasks[1]")
    assert (await api.get("/flows/qa.api/broken")).status_code == 404


async def test_create_several_documents_rejected(api: httpx.AsyncClient) -> None:
    response = await deploy(api, HELLO + "---\n" + HELLO.replace("id: hello", "id: other"))

    assert response.status_code == 422
    assert "expected one flow, found 2" in response.json()["problems"][0]["message"]


async def test_create_accepts_text_plain(api: httpx.AsyncClient) -> None:
    response = await api.post("/flows", content=HELLO, headers={"Content-Type": "text/plain"})

    assert response.status_code == 200


async def test_update_adds_revision(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.put("/flows/qa.api/hello", content=HELLO_V2, headers=YAML)

    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["source"] == HELLO_V2


async def test_update_unchanged_keeps_revision(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.put("/flows/qa.api/hello", content=HELLO, headers=YAML)

    assert response.status_code == 200
    assert response.json()["revision"] == 1


async def test_update_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.put("/flows/qa.api/hello", content=HELLO, headers=YAML)

    assert response.status_code == 404
    assert "qa.api.hello" in response.json()["message"]


async def test_update_mismatch_names_both(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    other = HELLO.replace("id: hello", "id: renamed")

    response = await api.put("/flows/qa.api/hello", content=other, headers=YAML)

    assert response.status_code == 422
    message = response.json()["message"]
    assert "qa.api.renamed" in message
    assert "qa.api.hello" in message


async def test_update_invalid_lists_problems(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    broken = HELLO.replace("io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.log.Nope")

    response = await api.put("/flows/qa.api/hello", content=broken, headers=YAML)

    assert response.status_code == 422
    assert response.json()["problems"][0]["path"].startswith("tasks[0].type")


async def test_get_latest_and_revision(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    await api.put("/flows/qa.api/hello", content=HELLO_V2, headers=YAML)

    latest = await api.get("/flows/qa.api/hello")
    first = await api.get("/flows/qa.api/hello", params={"revision": 1, "source": "true"})

    assert latest.status_code == 200
    assert latest.json()["revision"] == 2
    assert "source" not in latest.json()
    assert latest.json()["tasks"][0]["message"] == "hi {{ inputs.name }}"
    assert first.json()["revision"] == 1
    assert first.json()["source"] == HELLO


async def test_get_unknown_revision_is_404(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    response = await api.get("/flows/qa.api/hello", params={"revision": 7})

    assert response.status_code == 404
    assert "revision 7" in response.json()["message"]


async def test_get_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/flows/qa.api/missing")

    assert response.status_code == 404
    assert "qa.api.missing" in response.json()["message"]


async def test_delete_then_gone(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)

    deleted = await api.delete("/flows/qa.api/hello")
    again = await api.delete("/flows/qa.api/hello")
    read = await api.get("/flows/qa.api/hello")
    kept = await api.get("/flows/qa.api/hello", params={"allowDeleted": "true"})

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404
    assert read.status_code == 404
    assert kept.status_code == 200
    assert kept.json()["deleted"] is True


async def test_create_after_delete(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    await api.delete("/flows/qa.api/hello")

    response = await deploy(api, HELLO_V2)

    assert response.status_code == 200
    assert response.json()["revision"] == 3


async def test_revisions_oldest_first(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    await api.put("/flows/qa.api/hello", content=HELLO_V2, headers=YAML)
    await api.delete("/flows/qa.api/hello")

    shown = await api.get("/flows/qa.api/hello/revisions")
    everything = await api.get("/flows/qa.api/hello/revisions", params={"allowDelete": "true"})

    assert shown.status_code == 200
    assert [flow["revision"] for flow in shown.json()] == [1, 2]
    assert [flow["source"] for flow in shown.json()] == [HELLO, HELLO_V2]
    assert [flow["deleted"] for flow in everything.json()] == [False, False, True]


async def test_revisions_unknown_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/flows/qa.api/missing/revisions")

    assert response.status_code == 404


async def test_search_pages(api: httpx.AsyncClient) -> None:
    for index in range(3):
        await deploy(api, HELLO.replace("id: hello", f"id: flow_{index}"))
    await deploy(api, HELLO.replace("namespace: qa.api", "namespace: qa.api.child"))
    await deploy(api, HELLO.replace("namespace: qa.api", "namespace: other"))

    first = await api.get("/flows/search", params={"namespace": "qa.api", "size": 2})
    second = await api.get("/flows/search", params={"namespace": "qa.api", "size": 2, "page": 2})
    found = await api.get("/flows/search", params={"q": "flow_1"})

    assert first.status_code == 200
    assert first.json()["total"] == 4
    assert len(first.json()["results"]) == 2
    assert len(second.json()["results"]) == 2
    names = {f"{flow['namespace']}.{flow['id']}" for flow in first.json()["results"]}
    names |= {f"{flow['namespace']}.{flow['id']}" for flow in second.json()["results"]}
    assert names == {"qa.api.flow_0", "qa.api.flow_1", "qa.api.flow_2", "qa.api.child.hello"}
    assert [flow["id"] for flow in found.json()["results"]] == ["flow_1"]
    assert "source" not in found.json()["results"][0]


async def test_validate_several_documents(api: httpx.AsyncClient) -> None:
    text = HELLO + "---\n" + INVALID

    response = await api.post("/flows/validate", content=text, headers=YAML)

    assert response.status_code == 200
    results = response.json()
    assert [result["index"] for result in results] == [0, 1]
    valid, invalid = results
    assert valid["flow"] == "hello"
    assert valid["namespace"] == "qa.api"
    assert valid["constraints"] is None
    assert valid["problems"] == []
    assert invalid["flow"] == "broken"
    assert "unknown task type" in invalid["constraints"]
    assert len(invalid["problems"]) == 2
    assert invalid["problems"][0]["line"] == HELLO.count("\n") + 1 + 5
    assert (await api.get("/flows/qa.api/hello")).status_code == 404


async def test_validate_outdated_revision(api: httpx.AsyncClient) -> None:
    await deploy(api, HELLO)
    await api.put("/flows/qa.api/hello", content=HELLO_V2, headers=YAML)

    response = await api.post("/flows/validate", content="revision: 1\n" + HELLO, headers=YAML)

    assert response.json()[0]["outdated"] is True


async def test_validate_files(api: httpx.AsyncClient) -> None:
    files = [("flows", ("hello.yml", HELLO.encode())), ("flows", ("broken.yml", INVALID.encode()))]

    response = await api.post("/flows/validate", files=files)

    assert response.status_code == 200
    results = response.json()
    assert [result["filename"] for result in results] == ["hello.yml", "broken.yml"]
    assert results[0]["constraints"] is None
    assert results[1]["constraints"] is not None


async def test_validate_bad_yaml(api: httpx.AsyncClient) -> None:
    response = await api.post("/flows/validate", content="id: [unclosed\n", headers=YAML)

    assert response.status_code == 200
    result = response.json()[0]
    assert "invalid YAML" in result["constraints"]
    assert result["problems"][0]["line"] is not None


async def test_validate_empty_body(api: httpx.AsyncClient) -> None:
    response = await api.post("/flows/validate", content="", headers=YAML)

    assert response.status_code == 200
    assert response.json()[0]["problems"][0]["message"] == "the document is empty"
