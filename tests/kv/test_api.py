"""The KV routes of the REST API, on Kestra's paths, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.kv.helpers import put_expired, raw_row
from tests.support import InstanceHarness

KV = "/namespaces/company.team/kv"
TEXT = {"Content-Type": "text/plain"}


async def put(api: httpx.AsyncClient, key: str, body: str, **headers: str) -> httpx.Response:
    return await api.put(f"{KV}/{key}", content=body.encode(), headers={**TEXT, **headers})


@pytest.mark.parametrize(
    ("body", "kv_type", "value"),
    [
        ("hello world", "STRING", "hello world"),
        ('"42"', "STRING", "42"),
        ("42", "NUMBER", 42),
        ("true", "BOOLEAN", True),
        ('{"a": [1, 2]}', "JSON", {"a": [1, 2]}),
        ("2024-03-07", "DATE", "2024-03-07"),
        ("2024-03-07T09:42:00+02:00", "DATETIME", "2024-03-07T07:42:00Z"),
        ("PT90M", "DURATION", "PT1H30M"),
    ],
)
async def test_put_then_get(api: httpx.AsyncClient, body: str, kv_type: str, value: Any) -> None:
    stored = await put(api, "key", body)
    read = await api.get(f"{KV}/key")

    assert stored.status_code == 200, stored.text
    assert stored.json()["key"] == "key"
    assert read.status_code == 200
    assert read.json() == {"type": kv_type, "value": value}


async def test_json_body(api: httpx.AsyncClient) -> None:
    stored = await api.put(f"{KV}/config", json={"retries": 3})

    assert stored.status_code == 200
    assert (await api.get(f"{KV}/config")).json() == {"type": "JSON", "value": {"retries": 3}}


async def test_type_header(api: httpx.AsyncClient) -> None:
    as_text = await put(api, "number_text", "42", type="STRING")
    as_date = await put(api, "day", "2024-03-07T23:00:00Z", type="DATE")
    invalid = await put(api, "bad", "forty", type="NUMBER")
    unknown = await put(api, "bad", "1", type="FLOAT")

    assert as_text.status_code == 200
    assert (await api.get(f"{KV}/number_text")).json() == {"type": "STRING", "value": "42"}
    assert as_date.status_code == 200
    assert (await api.get(f"{KV}/day")).json() == {"type": "DATE", "value": "2024-03-07"}
    assert invalid.status_code == 422
    assert "invalid NUMBER value 'forty' for key 'bad'" in invalid.json()["message"]
    assert unknown.status_code == 422


async def test_ttl_and_description(api: httpx.AsyncClient) -> None:
    stored = await put(api, "session", "token", ttl="PT1H", description="login session")

    listed = await api.get(KV)

    assert stored.status_code == 200
    entry = stored.json()
    assert entry["description"] == "login session"
    assert entry["expirationDate"] is not None
    assert entry["expirationDate"] > entry["updateDate"]
    assert listed.json() == [entry]


async def test_short_ttl_expires(api: httpx.AsyncClient) -> None:
    await put(api, "brief", "soon gone", ttl="PT0.2S")

    deadline = asyncio.get_running_loop().time() + 30
    while (await api.get(f"{KV}/brief")).status_code == 200:
        assert asyncio.get_running_loop().time() < deadline, "the TTL never passed"
        await asyncio.sleep(0.05)

    assert (await api.get(f"{KV}/brief")).status_code == 404
    assert (await api.get(KV)).json() == []


async def test_expired_is_missing(api: httpx.AsyncClient, instance: InstanceHarness) -> None:
    backend = instance.instance.backend
    await put_expired(backend, "company.team", "old", "stale")

    read = await api.get(f"{KV}/old")

    assert read.status_code == 404
    assert await raw_row(backend, "company.team", "old") is None


async def test_list(api: httpx.AsyncClient) -> None:
    for key in ("b_key", "a_key", "abc"):
        await put(api, key, "x")

    everything = await api.get(KV)
    prefixed = await api.get(KV, params={"prefix": "a_"})
    empty = await api.get("/namespaces/empty.namespace/kv")

    assert [entry["key"] for entry in everything.json()] == ["a_key", "abc", "b_key"]
    assert set(everything.json()[0]) == {
        "key",
        "description",
        "creationDate",
        "updateDate",
        "expirationDate",
    }
    assert [entry["key"] for entry in prefixed.json()] == ["a_key"]
    assert empty.json() == []


async def test_missing_key(api: httpx.AsyncClient) -> None:
    read = await api.get(f"{KV}/nothing")

    assert read.status_code == 404
    assert read.json()["message"] == "no value for key 'nothing' in namespace 'company.team'"


async def test_delete(api: httpx.AsyncClient) -> None:
    await put(api, "doomed", "x")

    first = await api.delete(f"{KV}/doomed")
    second = await api.delete(f"{KV}/doomed")

    assert first.status_code == 200
    assert first.json() is True
    assert second.json() is False
    assert (await api.get(f"{KV}/doomed")).status_code == 404


async def test_delete_several(api: httpx.AsyncClient) -> None:
    await put(api, "one", "1")
    await put(api, "two", "2")

    deleted = await api.request("DELETE", KV, json={"keys": ["one", "two", "three"]})

    assert deleted.status_code == 200
    assert deleted.json() == {"keys": ["one", "two"]}
    assert (await api.get(KV)).json() == []


@pytest.mark.parametrize(
    ("path", "body", "headers", "message"),
    [
        (f"{KV}/bad%20key", "x", {}, "invalid KV key 'bad key'"),
        ("/namespaces/Bad.NS/kv/key", "x", {}, "invalid namespace 'Bad.NS'"),
        (f"{KV}/key", "  ", {}, "the request body is empty"),
        (f"{KV}/key", "x", {"ttl": "one hour"}, "invalid ttl header"),
        (f"{KV}/key", "x", {"ttl": "PT0S"}, "it must be a positive duration"),
    ],
)
async def test_invalid_put(
    api: httpx.AsyncClient, path: str, body: str, headers: dict[str, str], message: str
) -> None:
    response = await api.put(path, content=body.encode(), headers={**TEXT, **headers})

    assert response.status_code == 422
    assert message in response.json()["message"]


async def test_kestra_tenant_path(api: httpx.AsyncClient) -> None:
    stored = await api.put("/main/namespaces/company.team/kv/tenant", content=b"1", headers=TEXT)

    assert stored.status_code == 200
    assert (await api.get(f"{KV}/tenant")).json() == {"type": "NUMBER", "value": 1}
