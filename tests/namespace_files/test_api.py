"""The namespace file routes of the REST API, on Kestra's paths."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from lanner.api.app import create_app
from lanner.instance import Instance
from lanner.settings import load_settings
from tests.storage.s3_server import S3TestServer

NS = "company.team"
FILES = f"/namespaces/{NS}/files"


@pytest.fixture(params=["local", "s3"])
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API of an instance on SQLite, with each storage backend."""
    if request.param == "s3":
        server: S3TestServer = request.getfixturevalue("s3_server")
        storage_url = server.storage_url(server.create_bucket())
    else:
        storage_url = f"file://{tmp_path / 'storage'}"
    settings = load_settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'lanner.db'}",
        storage_url=storage_url,
    )
    instance = Instance(settings)
    await instance.start()
    transport = httpx.ASGITransport(app=create_app(instance))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://lanner.test/api/v1", timeout=60
        ) as client:
            yield client
    finally:
        await instance.stop()


async def upload(api: httpx.AsyncClient, path: str, content: bytes) -> httpx.Response:
    return await api.post(FILES, params={"path": path}, files={"fileContent": ("f", content)})


async def test_upload_and_download(api: httpx.AsyncClient) -> None:
    uploaded = await upload(api, "/scripts/main.py", b"print('hi')")

    downloaded = await api.get(FILES, params={"path": "/scripts/main.py"})

    assert uploaded.status_code == 200
    assert uploaded.json()["path"] == "/scripts/main.py"
    assert downloaded.status_code == 200
    assert downloaded.content == b"print('hi')"
    assert downloaded.headers["content-type"] == "application/octet-stream"


async def test_list_directory(api: httpx.AsyncClient) -> None:
    await upload(api, "/a.txt", b"a")
    await upload(api, "/lib/b.py", b"bb")
    await upload(api, "/lib/sub/c.py", b"ccc")

    root = await api.get(f"{FILES}/directory", params={"path": "/"})
    lib = await api.get(f"{FILES}/directory", params={"path": "/lib"})

    assert root.status_code == 200
    assert [(item["fileName"], item["type"]) for item in root.json()] == [
        ("a.txt", "File"),
        ("lib", "Directory"),
    ]
    assert [(item["path"], item["type"], item["size"]) for item in lib.json()] == [
        ("/lib/b.py", "File", 2),
        ("/lib/sub", "Directory", 0),
    ]
    file_entry = lib.json()[0]
    assert file_entry["lastModifiedTime"] > 0
    assert file_entry["version"]


async def test_list_recursive(api: httpx.AsyncClient) -> None:
    await upload(api, "/lib/sub/c.py", b"c")

    response = await api.get(f"{FILES}/directory", params={"path": "/", "recursive": "true"})

    assert [item["path"] for item in response.json()] == ["/lib", "/lib/sub", "/lib/sub/c.py"]


async def test_list_every_entry(api: httpx.AsyncClient) -> None:
    for index in range(30):
        await upload(api, f"/many/{index:02d}.txt", b"x")

    response = await api.get(f"{FILES}/directory", params={"path": "/many"})

    assert len(response.json()) == 30


async def test_stats(api: httpx.AsyncClient) -> None:
    await upload(api, "/d/f.txt", b"12345")

    file_stats = await api.get(f"{FILES}/stats", params={"path": "/d/f.txt"})
    folder_stats = await api.get(f"{FILES}/stats", params={"path": "/d"})

    assert file_stats.json()["type"] == "File"
    assert file_stats.json()["size"] == 5
    assert folder_stats.json()["type"] == "Directory"


async def test_move(api: httpx.AsyncClient) -> None:
    await upload(api, "/old/f.txt", b"data")

    moved = await api.put(FILES, params={"from": "/old", "to": "/new"})

    assert moved.status_code == 204
    assert (await api.get(FILES, params={"path": "/new/f.txt"})).content == b"data"
    assert (await api.get(FILES, params={"path": "/old/f.txt"})).status_code == 404


async def test_delete(api: httpx.AsyncClient) -> None:
    await upload(api, "/d/f.txt", b"x")
    await upload(api, "/keep.txt", b"k")

    deleted = await api.delete(FILES, params={"path": "/d"})

    assert deleted.status_code == 204
    listing = await api.get(f"{FILES}/directory", params={"path": "/"})
    assert [item["path"] for item in listing.json()] == ["/keep.txt"]


async def test_kestra_tenant_path(api: httpx.AsyncClient) -> None:
    await upload(api, "/t.txt", b"tenant")

    response = await api.get(f"/main{FILES}", params={"path": "/t.txt"})

    assert response.content == b"tenant"


async def test_hard_names(api: httpx.AsyncClient) -> None:
    names = [
        "a b+c%20d#e?f&g=h",
        "quote'\"\\",
        unicodedata.normalize("NFC", "é"),
        unicodedata.normalize("NFD", "é"),
        "😀",
        " padded ",
    ]
    for index, name in enumerate(names):
        assert (await upload(api, f"/hard/{name}", str(index).encode())).status_code == 200

    listing = await api.get(f"{FILES}/directory", params={"path": "/hard"})

    assert sorted(item["fileName"] for item in listing.json()) == sorted(names)
    for index, name in enumerate(names):
        response = await api.get(FILES, params={"path": f"/hard/{name}"})
        assert response.content == str(index).encode()
        disposition = response.headers["content-disposition"]
        assert disposition == f"attachment; filename*=UTF-8''{quote(name, safe='')}"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("GET", {"path": "/missing.txt"}),
        ("DELETE", {"path": "/missing.txt"}),
        ("PUT", {"from": "/missing.txt", "to": "/other.txt"}),
    ],
)
async def test_missing_is_404(api: httpx.AsyncClient, method: str, params: dict[str, str]) -> None:
    response = await api.request(method, FILES, params=params)

    assert response.status_code == 404
    assert "/missing.txt" in response.json()["message"]


async def test_missing_folder_404(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{FILES}/directory", params={"path": "/nothing"})

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/../etc/passwd", "/a//b", "/a\x00b"])
async def test_invalid_path_400(api: httpx.AsyncClient, path: str) -> None:
    response = await upload(api, path, b"x")

    assert response.status_code == 400
    assert "invalid namespace file path" in response.json()["message"]


async def test_invalid_namespace_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/namespaces/Not Valid/files/directory", params={"path": "/"})

    assert response.status_code == 400
    assert "invalid namespace" in response.json()["message"]


async def test_conflict_400(api: httpx.AsyncClient) -> None:
    await upload(api, "/a", b"file")

    response = await upload(api, "/a/b.txt", b"x")

    assert response.status_code == 400
    assert "is a file" in response.json()["message"]


async def test_upload_without_content(api: httpx.AsyncClient) -> None:
    response = await api.post(FILES, params={"path": "/x"})

    assert response.status_code == 422
    assert "fileContent" in response.json()["message"]
