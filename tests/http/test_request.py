"""The Request task against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.storage import execution_file_key, uri_from_key
from tests.http.server import HttpTestServer
from tests.scripts.support import NAMESPACE, TaskRun, parse_task


def request_task(server: HttpTestServer, extra: str, path: str = "/echo") -> Any:
    return parse_task(
        f"""
- id: call
  type: io.kestra.plugin.core.http.Request
  uri: "{server.url}{path}"
{extra}
"""
    )


async def test_get_returns_outputs(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(server, "", "/echo?a=1&b=two words")

    outputs = await TaskRun(tmp_path).run(task)

    assert outputs is not None
    assert outputs["code"] == 200
    assert outputs["uri"] == f"{server.url}/echo?a=1&b=two%20words"
    assert outputs["headers"]["Content-Type"] == ["application/json"]
    echo = json.loads(outputs["body"])
    assert echo["method"] == "GET"
    assert echo["query"] == {"a": "1", "b": "two words"}
    assert echo["headers"]["content-type"] == "application/json"


async def test_post_text_body(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(
        server,
        """
  method: POST
  contentType: text/plain
  body: "flow {{ flow.id }} é"
  headers:
    X-Flow: "{{ flow.namespace }}"
""",
    )

    outputs = await TaskRun(tmp_path).run(task)

    assert outputs is not None
    echo = json.loads(outputs["body"])
    assert echo["body"] == "flow single é"
    assert echo["headers"]["content-type"] == "text/plain; charset=UTF-8"
    assert echo["headers"]["x-flow"] == "qa.scripts"


async def test_post_map_body_as_json(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(
        server,
        """
  method: PUT
  body:
    name: "{{ flow.id }}"
    values: [1, true, null]
""",
    )

    outputs = await TaskRun(tmp_path).run(task)

    assert outputs is not None
    echo = json.loads(outputs["body"])
    assert echo["method"] == "PUT"
    assert json.loads(echo["body"]) == {"name": "single", "values": [1, True, None]}


async def test_form_data_urlencoded(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(
        server,
        """
  method: POST
  contentType: application/x-www-form-urlencoded
  formData:
    user: "John Doe"
    flow: "{{ flow.id }}"
""",
    )

    outputs = await TaskRun(tmp_path).run(task)

    assert outputs is not None
    echo = json.loads(outputs["body"])
    assert echo["body"] == "user=John+Doe&flow=single"
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"


async def test_form_data_multipart(server: HttpTestServer, tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    key = execution_file_key(NAMESPACE, "single", "execution1", "inputs", "file", "data.csv")
    await run.storage.put(key, b"a,b\n1,2\n")
    task = request_task(
        server,
        f"""
  method: POST
  contentType: multipart/form-data
  formData:
    plain: text value
    upload: "{uri_from_key(key)}"
    renamed:
      name: custom.csv
      content: "{uri_from_key(key)}"
""",
    )

    outputs = await run.run(task)

    assert outputs is not None
    echo = json.loads(outputs["body"])
    assert echo["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="plain"\r\n\r\ntext value' in echo["body"]
    assert 'name="upload"; filename="data.csv"' in echo["body"]
    assert 'name="renamed"; filename="custom.csv"' in echo["body"]
    assert echo["body"].count("a,b\r\n1,2\r\n") + echo["body"].count("a,b\n1,2\n") == 2


async def test_failed_code_fails(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(server, "", "/status/404")

    with pytest.raises(TaskFailure, match="failed with response code 404") as failure:
        await TaskRun(tmp_path).run(task)

    assert "status 404" in str(failure.value)


async def test_allow_failed(server: HttpTestServer, tmp_path: Path) -> None:
    task = request_task(server, "  options:\n    allowFailed: true", "/status/503")

    outputs = await TaskRun(tmp_path).run(task)

    assert outputs is not None
    assert outputs["code"] == 503
    assert outputs["body"] == "status 503"


async def test_allowed_response_codes(server: HttpTestServer, tmp_path: Path) -> None:
    allowed = "  options:\n    allowedResponseCodes: [404]"

    outputs = await TaskRun(tmp_path).run(request_task(server, allowed, "/status/404"))
    assert outputs is not None
    assert outputs["code"] == 404

    with pytest.raises(TaskFailure, match="allowed response codes: 404"):
        await TaskRun(tmp_path).run(request_task(server, allowed, "/status/200"))


async def test_redirects(server: HttpTestServer, tmp_path: Path) -> None:
    followed = await TaskRun(tmp_path).run(request_task(server, "", "/redirect"))
    kept = await TaskRun(tmp_path).run(
        request_task(server, "  options:\n    followRedirects: false", "/redirect")
    )

    assert followed is not None
    assert kept is not None
    assert json.loads(followed["body"])["query"] == {"redirected": "yes"}
    assert kept["code"] == 302
    assert kept["headers"]["Location"] == ["/echo?redirected=yes"]


async def test_read_timeout(server: HttpTestServer, tmp_path: Path) -> None:
    options = "  options:\n    timeout:\n      readIdleTimeout: PT0.2S"

    with pytest.raises(TaskFailure, match="timed out"):
        await TaskRun(tmp_path).run(request_task(server, options, "/slow?seconds=3"))


async def test_basic_and_bearer_auth(server: HttpTestServer, tmp_path: Path) -> None:
    basic = "  options:\n    auth:\n      type: BASIC\n      username: user\n      password: secret"
    bearer = "  options:\n    auth:\n      type: BEARER\n      token: 'tok-{{ flow.id }}'"

    welcomed = await TaskRun(tmp_path).run(request_task(server, basic, "/basic"))
    echoed = await TaskRun(tmp_path).run(request_task(server, bearer))

    assert welcomed is not None
    assert echoed is not None
    assert welcomed["body"] == "welcome"
    assert json.loads(echoed["body"])["headers"]["authorization"] == "Bearer tok-single"


async def test_repeated_headers(server: HttpTestServer, tmp_path: Path) -> None:
    outputs = await TaskRun(tmp_path).run(request_task(server, "", "/cookies"))

    assert outputs is not None
    assert outputs["headers"]["Set-Cookie"] == ["a=1", "b=2"]
    assert outputs["headers"]["X-Mixed-Case"] == ["yes"]


async def test_max_content_length(server: HttpTestServer, tmp_path: Path) -> None:
    options = "  options:\n    maxContentLength: 100"

    with pytest.raises(TaskFailure, match="larger than 100 bytes"):
        await TaskRun(tmp_path).run(request_task(server, options, "/big?size=101"))


async def test_binary_body_fails(server: HttpTestServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="use the Download task"):
        await TaskRun(tmp_path).run(request_task(server, "", "/binary"))


async def test_empty_body_is_null(server: HttpTestServer, tmp_path: Path) -> None:
    outputs = await TaskRun(tmp_path).run(request_task(server, "", "/empty"))

    assert outputs is not None
    assert outputs["body"] is None


async def test_refused_connection_fails(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: call
  type: io.kestra.plugin.core.http.Request
  uri: http://127.0.0.1:9/nothing
"""
    )

    with pytest.raises(TaskFailure) as failure:
        await TaskRun(tmp_path).run(task)

    assert "request to http://127.0.0.1:9/nothing failed: ConnectError" in str(failure.value)


async def test_encrypt_body_unsupported(server: HttpTestServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="encryptBody is not supported"):
        await TaskRun(tmp_path).run(request_task(server, "  encryptBody: true"))


async def test_logs_option(server: HttpTestServer, tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    task = request_task(server, "  options:\n    logs: [REQUEST_HEADERS, RESPONSE_BODY]")

    await run.run(task)

    [request_log, body_log] = run.messages("INFO")
    assert request_log.startswith(f"request GET {server.url}/echo")
    assert body_log.startswith("response body:")
