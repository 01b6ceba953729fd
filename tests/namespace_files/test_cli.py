"""`lanner namespace files ...` against a real `lanner server webserver` process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from lanner.cli.main import cli

LANNER = str(Path(sys.executable).with_name("lanner"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a web server process on SQLite and local storage."""
    data_dir = tmp_path_factory.mktemp("server")
    port = free_port()
    environment = {**os.environ, "LANNER_CONFIG": ""}
    process = subprocess.Popen(
        [LANNER, "server", "webserver", "--data-dir", str(data_dir), "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the web server exited with {process.returncode}: {errors}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the web server at {url} did not answer within 60 s")


def lanner(server: str, *arguments: str) -> Result:
    return CliRunner().invoke(cli, [*arguments, "--server", server], catch_exceptions=False)


def make_tree(root: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def listed(server: str, namespace: str, path: str = "/") -> list[str]:
    result = lanner(server, "namespace", "files", "list", namespace, path, "--recursive", "--json")
    assert result.exit_code == 0, result.output
    return [entry["path"] for entry in json.loads(result.output) if entry["type"] == "File"]


def test_upload_folder(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "project", {"main.py": b"main", "lib/util.py": b"util", "a b/é.txt": b"x"})

    result = lanner(server, "namespace", "files", "upload", "cli.upload", str(tmp_path / "project"))

    assert result.exit_code == 0, result.output
    assert "Uploaded 3 file(s)" in result.output
    assert listed(server, "cli.upload") == ["/a b/é.txt", "/lib/util.py", "/main.py"]


def test_upload_to_folder_with_delete(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "v1", {"keep.py": b"1", "old.py": b"1"})
    make_tree(tmp_path / "v2", {"keep.py": b"2", "new.py": b"2"})
    lanner(server, "namespace", "files", "upload", "cli.sync", str(tmp_path / "v1"), "--to", "/app")
    lanner(
        server, "namespace", "files", "upload", "cli.sync", str(tmp_path / "v1"), "--to", "/other"
    )

    result = lanner(
        server, "namespace", "files", "upload", "cli.sync", str(tmp_path / "v2"),
        "--to", "/app", "--delete",
    )

    assert result.exit_code == 0, result.output
    assert "deleted 1 file(s)" in result.output
    assert listed(server, "cli.sync") == [
        "/app/keep.py",
        "/app/new.py",
        "/other/keep.py",
        "/other/old.py",
    ]


def test_upload_follows_linked_folder(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "shared", {"lib/util.py": b"util"})
    make_tree(tmp_path / "project", {"main.py": b"main"})
    (tmp_path / "project" / "lib").symlink_to(tmp_path / "shared" / "lib")
    # A link back to an ancestor is read once, not followed forever.
    (tmp_path / "shared" / "lib" / "loop").symlink_to(tmp_path / "shared")
    upload = ("namespace", "files", "upload", "cli.linked", str(tmp_path / "project"))
    lanner(server, *upload)

    result = lanner(server, *upload, "--delete")

    assert result.exit_code == 0, result.output
    assert "deleted 0 file(s)" in result.output
    assert "/lib/util.py" in listed(server, "cli.linked")
    assert "/main.py" in listed(server, "cli.linked")


def test_list_table(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "p", {"top.txt": b"12345", "dir/x.txt": b"x"})
    lanner(server, "namespace", "files", "upload", "cli.table", str(tmp_path / "p"))

    result = lanner(server, "namespace", "files", "list", "cli.table")

    assert result.exit_code == 0, result.output
    assert "/top.txt" in result.output
    assert "/dir" in result.output
    assert "5" in result.output


def test_download_file_and_folder(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "p", {"dir/a.txt": b"A", "dir/sub/b.txt": b"B"})
    lanner(server, "namespace", "files", "upload", "cli.down", str(tmp_path / "p"))

    one = lanner(server, "namespace", "files", "download", "cli.down", "/dir/a.txt",
                 str(tmp_path / "a-copy.txt"))
    folder = lanner(server, "namespace", "files", "download", "cli.down", "/dir",
                    str(tmp_path / "copy"))

    assert one.exit_code == 0, one.output
    assert (tmp_path / "a-copy.txt").read_bytes() == b"A"
    assert folder.exit_code == 0, folder.output
    assert (tmp_path / "copy" / "a.txt").read_bytes() == b"A"
    assert (tmp_path / "copy" / "sub" / "b.txt").read_bytes() == b"B"


def test_delete(server: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "p", {"d/a.txt": b"a", "k.txt": b"k"})
    lanner(server, "namespace", "files", "upload", "cli.del", str(tmp_path / "p"))

    result = lanner(server, "namespace", "files", "delete", "cli.del", "/d")

    assert result.exit_code == 0, result.output
    assert listed(server, "cli.del") == ["/k.txt"]


def test_missing_file_error(server: str, tmp_path: Path) -> None:
    result = lanner(server, "namespace", "files", "download", "cli.none", "/nothing.txt",
                    str(tmp_path / "x"))

    assert result.exit_code == 1
    assert "HTTP 404" in result.output
    assert "/nothing.txt" in result.output
