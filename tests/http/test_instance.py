"""HTTP tasks in a flow on a running instance, on both backends."""

from __future__ import annotations

import json

from lanner.states import State
from tests.http.server import HttpTestServer
from tests.scripts.support import TIMEOUT
from tests.support import InstanceHarness, only_run


async def test_request_then_download(instance: InstanceHarness, server: HttpTestServer) -> None:
    source = f"""
id: http_flow
namespace: qa.http
tasks:
  - id: ask
    type: io.kestra.plugin.core.http.Request
    uri: "{server.url}/echo?from={{{{ flow.id }}}}"
    method: POST
    body: '{{"n": 1}}'
  - id: fetch
    type: io.kestra.plugin.core.http.Download
    uri: "{server.url}/file/data.csv"
  - id: use
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "code {{{{ outputs.ask.code }}}}"
      - cat {{{{ outputs.fetch.uri }}}}
  - id: refused
    type: io.kestra.plugin.core.http.Request
    uri: "{server.url}/status/418"
"""
    execution = await instance.run(source, timeout=TIMEOUT)

    ask, fetch, use = (only_run(execution, name) for name in ("ask", "fetch", "use"))
    refused = only_run(execution, "refused")
    assert execution.state is State.FAILED
    assert refused.state is State.FAILED
    assert ask.outputs is not None
    assert json.loads(ask.outputs["body"])["query"] == {"from": "http_flow"}
    assert fetch.outputs is not None
    assert fetch.outputs["length"] == 13
    assert fetch.attempts[-1].metrics[0]["name"] == "response.length"
    lines = [entry.message for entry in await instance.logs(execution)]
    assert "code 200" in lines
    assert "file content" in lines
    assert any("response code 418" in line for line in lines)
    assert use.state is State.SUCCESS
