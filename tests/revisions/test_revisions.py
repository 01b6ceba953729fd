"""Flow revisions through the API: list, read, diff, and executions of an older revision."""

from __future__ import annotations

import asyncio

import httpx

YAML = {"Content-Type": "application/x-yaml"}

REVISION_1 = """\
id: hello
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: first version
"""
REVISION_2 = REVISION_1.replace("first version", "second version")
REVISION_3 = (
    REVISION_2
    + """\
  - id: extra
    type: io.kestra.plugin.core.log.Log
    message: added in revision 3
"""
)
FLOW = "/flows/company.team/hello"


async def deploy_three(api: httpx.AsyncClient) -> None:
    created = await api.post("/flows", content=REVISION_1.encode(), headers=YAML)
    assert created.status_code == 200, created.text
    for source in (REVISION_2, REVISION_2, REVISION_3):
        updated = await api.put(FLOW, content=source.encode(), headers=YAML)
        assert updated.status_code == 200, updated.text


async def run(api: httpx.AsyncClient, revision: int | None = None) -> dict:
    params = {"wait": "true"} | ({"revision": str(revision)} if revision else {})
    response = await api.post("/executions/company.team/hello", params=params)
    assert response.status_code == 200, response.text
    execution: dict = response.json()
    return execution


async def log_messages(api: httpx.AsyncClient, execution_id: str) -> list[str]:
    # The execution ended; its log lines are written by the worker in batches.
    for _ in range(100):
        response = await api.get(f"/logs/{execution_id}")
        messages = [entry["message"] for entry in response.json()]
        if messages:
            return messages
        await asyncio.sleep(0.1)
    return []


async def test_unchanged_deploy_keeps_revision(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    listed = await api.get(f"{FLOW}/revisions")

    assert listed.status_code == 200
    assert [flow["revision"] for flow in listed.json()] == [1, 2, 3]
    assert [flow["source"] for flow in listed.json()] == [REVISION_1, REVISION_2, REVISION_3]


async def test_read_revision(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    old = await api.get(FLOW, params={"revision": 1, "source": "true"})
    missing = await api.get(FLOW, params={"revision": 9})

    assert old.status_code == 200
    assert old.json()["revision"] == 1
    assert old.json()["source"] == REVISION_1
    assert missing.status_code == 404


async def test_diff(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    response = await api.get(f"{FLOW}/revisions/diff", params={"from": 1, "to": 3})

    assert response.status_code == 200
    body = response.json()
    assert (body["namespace"], body["id"], body["from"], body["to"]) == (
        "company.team",
        "hello",
        1,
        3,
    )
    assert body["diff"].splitlines() == [
        "--- company.team.hello revision 1",
        "+++ company.team.hello revision 3",
        "@@ -3,4 +3,7 @@",
        " tasks:",
        "   - id: greet",
        "     type: io.kestra.plugin.core.log.Log",
        "-    message: first version",
        "+    message: second version",
        "+  - id: extra",
        "+    type: io.kestra.plugin.core.log.Log",
        "+    message: added in revision 3",
    ]


async def test_diff_defaults(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    latest = await api.get(f"{FLOW}/revisions/diff")
    same = await api.get(f"{FLOW}/revisions/diff", params={"from": 2, "to": 2})
    backwards = await api.get(f"{FLOW}/revisions/diff", params={"from": 3, "to": 2})

    assert (latest.json()["from"], latest.json()["to"]) == (2, 3)
    assert "+  - id: extra" in latest.json()["diff"]
    assert "-    message: second version" not in latest.json()["diff"]
    assert same.json()["diff"] == ""
    assert "-  - id: extra" in backwards.json()["diff"]


async def test_diff_errors(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    missing_revision = await api.get(f"{FLOW}/revisions/diff", params={"from": 1, "to": 7})
    missing_flow = await api.get("/flows/company.team/nothing/revisions/diff")
    before_first = await api.get(f"{FLOW}/revisions/diff", params={"to": 1})
    zero = await api.get(f"{FLOW}/revisions/diff", params={"from": 0})

    assert missing_revision.status_code == 404
    assert "flow company.team.hello has no revision 7" in missing_revision.json()["message"]
    assert missing_flow.status_code == 404
    assert before_first.status_code == 422
    assert "no revision before 1" in before_first.json()["message"]
    assert zero.status_code == 422


async def test_diff_after_delete(api: httpx.AsyncClient) -> None:
    await deploy_three(api)
    assert (await api.delete(FLOW)).status_code == 204

    listed = await api.get(f"{FLOW}/revisions", params={"allowDelete": "true"})
    diff = await api.get(f"{FLOW}/revisions/diff")

    assert [flow["deleted"] for flow in listed.json()] == [False, False, False, True]
    assert (diff.json()["from"], diff.json()["to"], diff.json()["diff"]) == (3, 4, "")


async def test_execution_records_revision(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    latest = await run(api)
    oldest = await run(api, revision=1)

    assert latest["flowRevision"] == 3
    assert latest["state"]["current"] == "SUCCESS"
    assert [run["taskId"] for run in latest["taskRunList"]] == ["greet", "extra"]
    assert oldest["flowRevision"] == 1
    assert oldest["state"]["current"] == "SUCCESS"
    assert [run["taskId"] for run in oldest["taskRunList"]] == ["greet"]
    assert await log_messages(api, oldest["id"]) == ["first version"]
    stored = await api.get(f"/executions/{oldest['id']}")
    assert stored.json()["flowRevision"] == 1


async def test_execution_missing_revision(api: httpx.AsyncClient) -> None:
    await deploy_three(api)

    response = await api.post("/executions/company.team/hello", params={"revision": 8})

    assert response.status_code == 404
    assert "revision 8" in response.json()["message"]
