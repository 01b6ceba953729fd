"""`lanner flow validate` and `lanner flow deploy` on files with problems, as subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

LANNER = str(Path(sys.executable).parent / "lanner")

VALID = """\
id: good
namespace: qa.cli
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

INVALID = """\
id: bad
namespace: qa.cli
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Logg
    message: hi
"""


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LANNER, *arguments], capture_output=True, text=True, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def _unused_server() -> str:
    """Return the URL of a port nothing listens on, so any request to it fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yml"
    path.write_text(VALID, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yml"
    path.write_text(INVALID, encoding="utf-8")
    return path


def test_validate_reports_missing_path(good: Path, bad: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"

    result = _run("flow", "validate", str(good), str(missing), str(bad))

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"✓ qa.cli.good ({good})"
    assert lines[1] == f"✗ {missing}: no such file or folder"
    assert lines[2] == f"✗ qa.cli.bad ({bad}): 1 problem(s)"
    assert lines[3].startswith(f"  {bad}:5:11: ")
    assert lines[-1] == "1 valid, 1 invalid, 1 not found"
    assert result.stderr == ""


def test_validate_only_missing_paths(tmp_path: Path) -> None:
    result = _run("flow", "validate", str(tmp_path / "a.yml"), str(tmp_path / "b"))

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"✗ {tmp_path / 'a.yml'}: no such file or folder",
        f"✗ {tmp_path / 'b'}: no such file or folder",
        "0 valid, 0 invalid, 2 not found",
    ]


def test_validate_valid_files_exit_zero(good: Path) -> None:
    result = _run("flow", "validate", str(good))

    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "1 valid, 0 invalid"


def test_deploy_invalid_flow_says_nothing_deployed(tmp_path: Path) -> None:
    both = tmp_path / "both.yml"
    both.write_text(VALID + "---\n" + INVALID, encoding="utf-8")

    result = _run("flow", "deploy", "--server", _unused_server(), str(both))

    assert result.returncode == 1
    assert result.stdout == ""
    # A deployment attempt would fail with "cannot reach Lanner", since nothing listens.
    assert "cannot reach" not in result.stderr
    assert "✗ qa.cli.bad is invalid:" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: nothing was deployed, because 1 of 2 flows is invalid. "
        "Fix the problems above and deploy again."
    )


def test_deploy_missing_path_says_nothing_deployed(good: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"

    result = _run("flow", "deploy", "--server", _unused_server(), str(good), str(missing))

    assert result.returncode == 1
    assert "cannot reach" not in result.stderr
    assert result.stderr.splitlines() == [
        f"✗ {missing}: no such file or folder",
        "Error: nothing was deployed, because 1 path does not exist. "
        "Fix the problems above and deploy again.",
    ]


def test_deploy_empty_folder_fails(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()

    result = _run("flow", "deploy", "--server", _unused_server(), str(folder))

    assert result.returncode == 1
    assert f"no *.yml or *.yaml file found in {folder}" in result.stderr
