"""The Download task against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from tests.http.server import HttpTestServer
from tests.scripts.support import TaskRun, parse_task


def download_task(server: HttpTestServer, path: str, extra: str = "") -> Any:
    return parse_task(
        f"""
- id: fetch
  type: io.kestra.plugin.core.http.Download
  uri: "{server.url}{path}"
{extra}
"""
    )


async def test_download_stored(server: HttpTestServer, tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    task = download_task(server, "/file/orders.csv")
    context = run.context(task)

    outputs = await task.run(context)

    assert outputs["code"] == 200
    assert outputs["length"] == len(b"file content\n")
    assert outputs["uri"].endswith("/orders.csv")
    assert outputs["uri"].startswith("kestra:///qa/scripts/single/executions/execution1/")
    assert outputs["headers"]["Content-Disposition"] == ['attachment; filename="orders.csv"']
    assert await run.read(outputs["uri"]) == b"file content\n"
    assert context.metrics == [
        {"name": "response.length", "type": "counter", "value": 13.0, "tags": {}}
    ]


async def test_download_named_from_uri(server: HttpTestServer, tmp_path: Path) -> None:
    run = TaskRun(tmp_path)

    outputs = await run.run(download_task(server, "/big?size=5"))

    assert outputs is not None
    assert outputs["uri"].endswith("/big")
    assert await run.read(outputs["uri"]) == b"xxxxx"


async def test_download_empty_fails(server: HttpTestServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="empty response"):
        await TaskRun(tmp_path).run(download_task(server, "/empty"))


async def test_download_empty_allowed(server: HttpTestServer, tmp_path: Path) -> None:
    run = TaskRun(tmp_path)

    outputs = await run.run(download_task(server, "/empty", "  failOnEmptyResponse: false"))

    assert outputs is not None
    assert outputs["length"] == 0
    assert any("is empty" in message for message in run.messages("WARN"))


async def test_download_error_code_fails(server: HttpTestServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="response code 500"):
        await TaskRun(tmp_path).run(download_task(server, "/status/500"))


async def test_download_truncated_fails(server: HttpTestServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match=r"request to .* failed"):
        await TaskRun(tmp_path).run(download_task(server, "/truncated"))
