"""Every `lanner server` role logs its start and stop, as a real subprocess."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

LANNER = str(Path(sys.executable).parent / "lanner")

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(pattern: str, log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if re.search(pattern, log.read_text(errors="replace"), re.MULTILINE):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"no line matches {pattern!r} in the server's log:\n{log.read_text()}")


def _environment() -> dict[str, str]:
    # Settings of the machine running the tests must not reach the server under test.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LANNER_")}
    environment["NO_COLOR"] = "1"
    return environment


@pytest.mark.parametrize(
    ("role", "started", "stopped"),
    [
        ("executor", r"INFO lanner\.executor\.service: Executor \S+ started", "Executor"),
        ("worker", r"INFO lanner\.worker\.service: Worker \S+ started", "Worker"),
        ("scheduler", r"INFO lanner\.scheduler\.service: Scheduler \S+ started", "Scheduler"),
        ("webserver", r"INFO lanner\.liveness: Registered webserver \S+", None),
    ],
)
def test_server_role_logs_start(
    role: str, started: str, stopped: str | None, tmp_path: Path
) -> None:
    arguments = ["--port", str(_free_port())] if role == "webserver" else []
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [LANNER, "server", role, "--data-dir", str(tmp_path / "data"), *arguments],
            stdout=output, stderr=subprocess.STDOUT, env=_environment(),
        )
    try:
        _wait_for(started, log, process)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
        process.wait()

    text = log.read_text()
    assert process.returncode == 0, text
    assert re.search(r"INFO lanner\.backend\.store: Connected to sqlite", text), text
    if stopped is not None:
        assert re.search(rf"INFO \S+: {stopped} \S+ stopped$", text, re.MULTILINE), text
    # Other libraries log only WARNING and above, unless --log-level sets a finer level.
    assert "alembic" not in text


def test_server_unusable_database_explained(tmp_path: Path) -> None:
    # A folder is no SQLite database file, so the first connection fails.
    result = subprocess.run(
        [LANNER, "server", "executor", "--data-dir", str(tmp_path / "data"), "--database",
         f"sqlite:///{tmp_path}"],
        capture_output=True, text=True, timeout=60, env=_environment(),
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot connect to the database sqlite+aiosqlite:///{tmp_path}: "
        "unable to open database file",
        "Check that Lanner can create and write the database file, or fix the URL in "
        "--database or LANNER_DATABASE_URL.",
    ]
