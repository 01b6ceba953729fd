"""The CLI against a real `lanner server local` process, end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

FLOW = """\
id: hello
namespace: qa.cli
inputs:
  - id: name
    type: STRING
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }}"
"""

STARTUP_SECONDS = 60


def lanner(
    *arguments: str, timeout: float = 120, columns: int = 250
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_lanner_command(), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**_environment(), "COLUMNS": str(columns)},
        check=False,
    )


def _lanner_command() -> str:
    script = Path(sys.executable).with_name("lanner")
    assert script.exists(), f"the lanner script is not installed next to {sys.executable}"
    return str(script)


def _environment() -> dict[str, str]:
    # Settings of the machine running the tests must not reach the server under test; a wide
    # terminal keeps table cells on one line each.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LANNER_")}
    environment["COLUMNS"] = "250"
    return environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A `lanner server local` process on a free port; always stopped at the end."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            _lanner_command(),
            "server",
            "local",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_environment(),
    )
    try:
        _wait_until_up(process, url, tmp_path / "server.log")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def test_cli_against_server(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "hello.yml"
    flow_file.write_text(FLOW)

    deployed = lanner("flow", "deploy", "--server", server, str(flow_file))
    assert deployed.returncode == 0, deployed.stderr
    assert "qa.cli.hello revision 1" in deployed.stdout

    flow_file.write_text(FLOW.replace("hello {{", "hello there {{"))
    redeployed = lanner("flow", "deploy", "--server", server, str(flow_file))
    assert redeployed.returncode == 0, redeployed.stderr
    assert "qa.cli.hello revision 2" in redeployed.stdout

    created = httpx.post(f"{server}/api/v1/executions/qa.cli/hello", data={"name": "cli"})
    assert created.status_code == 200, created.text
    execution_id = created.json()["id"]

    followed = lanner("execution", "follow", "--server", server, execution_id)
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout.splitlines()[-1] == "SUCCESS: 1/1 task run(s) ended"

    shown = lanner("execution", "show", "--server", server, execution_id)
    assert shown.returncode == 0, shown.stderr
    execution = json.loads(shown.stdout)
    assert execution["id"] == execution_id
    assert execution["state"]["current"] == "SUCCESS"
    assert execution["flowRevision"] == 2

    logs = lanner("execution", "logs", "--server", server, execution_id)
    assert logs.returncode == 0, logs.stderr
    assert "greet hello there cli" in logs.stdout

    live_logs = lanner("execution", "logs", "--follow", "--server", server, execution_id)
    assert live_logs.returncode == 0, live_logs.stderr
    assert "greet hello there cli" in live_logs.stdout

    listed = lanner("execution", "list", "--server", server, "--flow-id", "hello")
    assert listed.returncode == 0, listed.stderr
    assert execution_id in listed.stdout
    assert "SUCCESS" in listed.stdout
    assert "1 execution(s)" in listed.stdout

    listed_json = lanner("execution", "list", "--server", server, "--json", "--state", "FAILED")
    assert listed_json.returncode == 0, listed_json.stderr
    assert json.loads(listed_json.stdout) == {"results": [], "total": 0}


def test_cli_errors_against_server(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "hello.yml"
    flow_file.write_text(FLOW)
    assert lanner("flow", "deploy", "--server", server, str(flow_file)).returncode == 0
    created = httpx.post(f"{server}/api/v1/executions/qa.cli/hello", data={"name": "x"})
    execution_id = created.json()["id"]
    assert lanner("execution", "follow", "--server", server, execution_id).returncode == 0

    killed = lanner("execution", "kill", "--server", server, execution_id)
    missing = lanner("execution", "show", "--server", server, "nope")
    missing_follow = lanner("execution", "follow", "--server", server, "nope")

    assert killed.returncode == 1
    assert "HTTP 409" in killed.stderr
    assert "already ended in state SUCCESS" in killed.stderr
    assert missing.returncode == 1
    assert "HTTP 404" in missing.stderr
    assert "'nope'" in missing.stderr
    assert missing_follow.returncode == 1
    assert "HTTP 404" in missing_follow.stderr


def test_cli_without_server() -> None:
    result = lanner("execution", "list", "--server", f"http://127.0.0.1:{_free_port()}")

    assert result.returncode == 1
    assert "cannot reach Lanner" in result.stderr


LONG_NAMED_FLOW = """\
id: a_flow_with_a_name_long_enough_to_need_wrapping_on_a_narrow_terminal
namespace: qa.cli.with.a.deep.namespace
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hello
"""


def test_execution_list_keeps_ids_on_80_columns(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "long.yml"
    flow_file.write_text(LONG_NAMED_FLOW)
    assert lanner("flow", "deploy", "--server", server, str(flow_file)).returncode == 0
    execution_ids = []
    for _ in range(2):
        created = httpx.post(
            f"{server}/api/v1/executions/qa.cli.with.a.deep.namespace/"
            "a_flow_with_a_name_long_enough_to_need_wrapping_on_a_narrow_terminal"
        )
        assert created.status_code == 200, created.text
        execution_ids.append(created.json()["id"])

    listed = lanner("execution", "list", "--server", server, columns=80)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for execution_id in execution_ids:
        assert any(f"│ {execution_id} │" in line for line in lines), listed.stdout
    assert "2 execution(s)" in listed.stdout


def test_deploy_with_invalid_flow_deploys_nothing(server: str, tmp_path: Path) -> None:
    flow_file = tmp_path / "both.yml"
    flow_file.write_text(FLOW + "---\n" + FLOW.replace("id: hello", "id: broken").replace(
        "core.log.Log", "core.log.Logg"
    ))

    deployed = lanner("flow", "deploy", "--server", server, str(flow_file))

    assert deployed.returncode == 1
    assert deployed.stderr.splitlines()[-1] == (
        "Error: nothing was deployed, because 1 of 2 flows is invalid. "
        "Fix the problems above and deploy again."
    )
    assert httpx.get(f"{server}/api/v1/flows/qa.cli/hello").status_code == 404
