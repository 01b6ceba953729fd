"""Error responses: JSON messages with the right status, never a 500 with a stack trace."""

from __future__ import annotations

import logging

import httpx
import pytest

from lanner.api.app import create_app
from lanner.api.bodies import MAX_YAML_BYTES
from lanner.api.errors import INTERNAL_ERROR
from tests.api.sources import HELLO
from tests.support import InstanceHarness

YAML = {"Content-Type": "application/x-yaml"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/flows/search", {"page": "0"}),
        ("/flows/search", {"page": str(10**30)}),
        ("/flows/search", {"size": "-1"}),
        ("/flows/search", {"size": "lots"}),
        ("/flows/search", {"q": "a\x00b"}),
        ("/flows/qa.api/hello", {"revision": str(10**20)}),
        ("/flows/qa.api/hello", {"revision": "first"}),
        ("/flows/qa.api/hello", {"source": "maybe"}),
        ("/executions/search", {"state": "BOGUS"}),
        ("/executions/search", {"startDate": "yesterday"}),
        ("/executions/search", {"endDate": "9999-12-31T23:59:59-10:00"}),
        ("/executions/search", {"size": str(10**6)}),
        ("/executions/search", {"namespace": "\x00"}),
        ("/logs/some-id", {"attempt": "-1"}),
    ],
)
async def test_bad_query_is_422(api: httpx.AsyncClient, path: str, params: dict[str, str]) -> None:
    response = await api.get(path, params=params)

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"]
    assert "Traceback" not in response.text


async def test_bad_query_names_parameter(api: httpx.AsyncClient) -> None:
    response = await api.get("/flows/search", params={"size": "lots"})

    body = response.json()
    assert body["message"].startswith("invalid request: query.size")
    assert body["problems"][0]["path"] == "query.size"


@pytest.mark.parametrize(
    "path",
    [
        "/executions/" + "x" * 5000,
        "/logs/" + "x" * 5000,
        "/flows/" + "a" * 5000 + "/hello",
        "/flows/qa.api/" + "b" * 5000 + "/revisions",
        "/executions/%F0%9F%90%8D",
    ],
)
async def test_huge_or_odd_ids_are_404(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)

    assert response.status_code == 404
    assert response.json()["message"]


async def test_nul_in_id_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get("/executions/a%00b")

    assert response.status_code == 422
    assert "NUL" in response.json()["message"]


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (HELLO, {"Content-Type": "application/json"}, 415),
        (b"id: \xff\xfe\n", YAML, 400),
        ("id: [unclosed\n", YAML, 422),
        ("- just\n- a list\n", YAML, 422),
        ("", YAML, 422),
        ("\x00", YAML, 422),
        ("key: " + "[" * 5000 + "]" * 5000 + "\n", YAML, 422),
        (HELLO.replace("id: hello", "id: " + "h" * 500), YAML, 422),
        (HELLO.replace("namespace: qa.api", "namespace: " + "n" * 500), YAML, 422),
    ],
)
async def test_bad_flow_body(
    api: httpx.AsyncClient, content: str | bytes, headers: dict[str, str], status: int
) -> None:
    response = await api.post("/flows", content=content, headers=headers)

    assert response.status_code == status, response.text
    assert response.json()["message"]


async def test_flow_body_too_large(api: httpx.AsyncClient) -> None:
    content = "# " + "x" * MAX_YAML_BYTES + "\n" + HELLO

    response = await api.post("/flows", content=content, headers=YAML)

    assert response.status_code == 413
    assert str(MAX_YAML_BYTES) in response.json()["message"]


async def test_validate_deep_nesting(api: httpx.AsyncClient) -> None:
    content = "key: " + "[" * 5000 + "]" * 5000 + "\n"

    response = await api.post("/flows/validate", content=content, headers=YAML)

    assert response.status_code in (200, 422)
    assert "Traceback" not in response.text


async def test_malformed_multipart(api: httpx.AsyncClient) -> None:
    await api.post("/flows", content=HELLO, headers=YAML)

    response = await api.post(
        "/executions/qa.api/hello",
        content=b"--nope\r\nnot really multipart",
        headers={"Content-Type": "multipart/form-data; boundary=other"},
    )

    assert response.status_code in (400, 422), response.text
    assert response.json()["message"]


async def test_multipart_without_boundary(api: httpx.AsyncClient) -> None:
    await api.post("/flows", content=HELLO, headers=YAML)

    response = await api.post(
        "/executions/qa.api/hello",
        content=b"name=x",
        headers={"Content-Type": "multipart/form-data"},
    )

    assert response.status_code in (400, 422), response.text
    assert response.json()["message"]


async def test_nul_input_value_is_422(api: httpx.AsyncClient) -> None:
    await api.post("/flows", content=HELLO, headers=YAML)

    response = await api.post("/executions/qa.api/hello", data={"name": "a\x00b"})

    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "name"


async def test_huge_input_value(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    await api.post("/flows", content=HELLO, headers=YAML)

    response = await api.post("/executions/qa.api/hello", files={"name": (None, "x" * 3_000_000)})

    assert response.status_code in (200, 400, 413, 422), response.text
    assert response.json()


async def test_unknown_route_is_json_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/nothing/here")

    assert response.status_code == 404
    assert "/api/v1/nothing/here" in response.json()["message"]


async def test_wrong_method_is_json_405(api: httpx.AsyncClient) -> None:
    response = await api.patch("/flows/search")

    assert response.status_code == 405
    assert "PATCH" in response.json()["message"]


async def test_unexpected_error_is_generic_500(
    instance: InstanceHarness, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(instance.instance)

    async def fail() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/fail", fail)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lanner.test") as client:
        with caplog.at_level(logging.ERROR, logger="lanner.api.errors"):
            response = await client.get("/api/v1/fail")

    assert response.status_code == 500
    assert response.json() == {"message": INTERNAL_ERROR}
    assert "secret internals" not in response.text
    assert any(record.exc_info for record in caplog.records)


async def test_openapi_lists_paths(api: httpx.AsyncClient) -> None:
    response = await api.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/flows",
        "/api/v1/flows/validate",
        "/api/v1/flows/{namespace}/{id}",
        "/api/v1/executions/{namespace}/{id}",
        "/api/v1/executions/{executionId}/follow",
        "/api/v1/logs/{executionId}/follow",
    ):
        assert path in paths
    assert not any(path.startswith("/api/v1/main/") for path in paths)


async def test_configs_and_health(api: httpx.AsyncClient) -> None:
    configs = await api.get("/configs")
    health = await api.get("/health")

    assert configs.json()["database"] in ("sqlite", "postgresql")
    assert configs.json()["version"]
    assert health.json() == {"status": "UP"}


async def test_kestra_tenant_paths(api: httpx.AsyncClient) -> None:
    created = await api.post("/main/flows", content=HELLO, headers=YAML)
    read = await api.get("/main/flows/qa.api/hello")

    assert created.status_code == 200
    assert read.json()["revision"] == 1
