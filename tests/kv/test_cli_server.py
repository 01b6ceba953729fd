"""`lanner kv`, `lanner flow revisions | diff` and `lanner execution list --label` against a
real `lanner server local` process."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.test_cli_server import (
    _environment,
    _free_port,
    _lanner_command,
    _wait_until_up,
    lanner,
)

FLOW = """\
id: labelled
namespace: qa.kv
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "{{ kv('greeting') }}"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `lanner server local` process for the module, always stopped at the end."""
    directory = tmp_path_factory.mktemp("kv-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = directory / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [_lanner_command(), "server", "local", "--port", str(port), "--data-dir",
             str(directory / "data")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )  # fmt: skip
        try:
            _wait_until_up(process, url, log_path)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def test_kv_commands(server: str, tmp_path: Path) -> None:
    value_file = tmp_path / "config.json"
    value_file.write_text('{"retries": 3}')

    text = lanner("kv", "set", "--server", server, "qa.kv", "greeting", "hello there")
    number = lanner("kv", "set", "--server", server, "qa.kv", "count", "42")
    as_string = lanner("kv", "set", "--server", server, "--type", "string", "qa.kv", "code", "007")
    with_ttl = lanner(
        "kv", "set", "--server", server, "--ttl", "PT1H", "--description", "a session",
        "qa.kv", "session", "token",
    )  # fmt: skip
    from_file = lanner("kv", "set", "--server", server, "--file", str(value_file), "qa.kv", "cfg")
    invalid = lanner("kv", "set", "--server", server, "--type", "NUMBER", "qa.kv", "bad", "x")

    assert text.returncode == 0, text.stderr
    assert text.stdout.strip() == "Stored qa.kv greeting"
    assert number.returncode == 0, number.stderr
    assert as_string.returncode == 0, as_string.stderr
    assert with_ttl.returncode == 0, with_ttl.stderr
    assert "expires" in with_ttl.stdout
    assert from_file.returncode == 0, from_file.stderr
    assert invalid.returncode == 1
    assert "HTTP 422" in invalid.stderr
    assert "invalid NUMBER value 'x' for key 'bad'" in invalid.stderr

    assert lanner("kv", "get", "--server", server, "qa.kv", "greeting").stdout == "hello there\n"
    assert lanner("kv", "get", "--server", server, "qa.kv", "count").stdout == "42\n"
    assert lanner("kv", "get", "--server", server, "qa.kv", "code").stdout == "007\n"
    typed = lanner("kv", "get", "--server", server, "--json", "qa.kv", "cfg")
    assert json.loads(typed.stdout) == {"type": "JSON", "value": {"retries": 3}}

    listed = lanner("kv", "list", "--server", server, "--json", "qa.kv")
    assert listed.returncode == 0, listed.stderr
    entries = {entry["key"]: entry for entry in json.loads(listed.stdout)}
    assert sorted(entries) == ["cfg", "code", "count", "greeting", "session"]
    assert entries["session"]["description"] == "a session"
    assert entries["session"]["expirationDate"] is not None
    table = lanner("kv", "list", "--server", server, "qa.kv")
    assert "5 key(s)" in table.stdout

    deleted = lanner("kv", "delete", "--server", server, "qa.kv", "count")
    again = lanner("kv", "delete", "--server", server, "qa.kv", "count")
    missing = lanner("kv", "get", "--server", server, "qa.kv", "count")
    assert deleted.stdout.strip() == "Deleted qa.kv count"
    assert again.stdout.strip() == "No value was stored under qa.kv count"
    assert missing.returncode == 1
    assert "HTTP 404" in missing.stderr


def test_revision_commands(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "flow.yml"
    flow_file.write_text(FLOW)
    assert lanner("flow", "deploy", "--server", server, str(flow_file)).returncode == 0
    flow_file.write_text(FLOW.replace("kv('greeting')", "kv('greeting') | upper"))
    assert lanner("flow", "deploy", "--server", server, str(flow_file)).returncode == 0

    listed = lanner("flow", "revisions", "--server", server, "qa.kv", "labelled")
    diff = lanner("flow", "diff", "--server", server, "qa.kv", "labelled", "1", "2")
    latest = lanner("flow", "diff", "--server", server, "qa.kv", "labelled", "1")
    same = lanner("flow", "diff", "--server", server, "qa.kv", "labelled", "2", "2")
    missing = lanner("flow", "diff", "--server", server, "qa.kv", "labelled", "1", "5")

    assert listed.returncode == 0, listed.stderr
    assert "2 revision(s)" in listed.stdout
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[:2] == [
        "--- qa.kv.labelled revision 1",
        "+++ qa.kv.labelled revision 2",
    ]
    assert "-    message: \"{{ kv('greeting') }}\"" in diff.stdout
    assert "+    message: \"{{ kv('greeting') | upper }}\"" in diff.stdout
    assert latest.stdout == diff.stdout
    assert same.returncode == 0
    assert same.stdout == ""
    assert missing.returncode == 1
    assert "HTTP 404" in missing.stderr


def test_execution_list_by_label(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "flow.yml"
    flow_file.write_text(FLOW)
    assert lanner("flow", "deploy", "--server", server, str(flow_file)).returncode == 0
    lanner("kv", "set", "--server", server, "qa.kv", "greeting", "hello")
    created = {}
    for labels in (["team:data", "env:prod"], ["team:data", "env:dev"], ["team:web"]):
        response = httpx.post(
            f"{server}/api/v1/executions/qa.kv/labelled", params={"labels": labels}
        )
        assert response.status_code == 200, response.text
        created[tuple(labels)] = response.json()["id"]

    data = lanner("execution", "list", "--server", server, "--json", "--label", "team:data")
    prod = lanner(
        "execution", "list", "--server", server, "--json", "--label", "team:data",
        "--label", "env:prod",
    )  # fmt: skip

    assert data.returncode == 0, data.stderr
    assert {item["id"] for item in json.loads(data.stdout)["results"]} == {
        created[("team:data", "env:prod")],
        created[("team:data", "env:dev")],
    }
    assert [item["id"] for item in json.loads(prod.stdout)["results"]] == [
        created[("team:data", "env:prod")]
    ]
