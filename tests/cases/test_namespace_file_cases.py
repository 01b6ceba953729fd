"""Namespace files injected into script tasks, end to end through a worker.

Folder patterns, names that URL encodings confuse, and more files than a listing page holds,
on SQLite and PostgreSQL with local storage, and on an S3-protocol server for the large case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.namespace_files import NamespaceFiles
from lanner.namespace_files.service import EntryType
from lanner.states import State
from tests.storage.s3_server import S3TestServer
from tests.support import InstanceHarness

INCLUDE_FOLDER = """
id: nsfiles_include_folder
namespace: qa.research
tasks:
  - id: list_relative
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      include:
        - "lib/**"
    commands:
      - find . -type f | sort
  - id: list_anchored_with_exclude
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
      include:
        - "/lib/**"
      exclude:
        - "**/sub/**"
    commands:
      - find . -type f | sort
  - id: list_nothing
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      include:
        - "/no_such_folder/**"
    commands:
      - find . -type f | wc -l
"""

SPACE_PLUS = """
id: nsfiles_space_plus
namespace: qa.research
tasks:
  - id: show
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
    commands:
      - cat "data file.txt"; echo
      - cat "data+file.txt"; echo
      - cat "été/naïve ü.txt"; echo
      - cat "100%.txt"; echo
      - cat "a#b?.txt"; echo
"""

MANY = """
id: nsfiles_many
namespace: qa.research
tasks:
  - id: count
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
      include:
        - "/bulk/**"
    commands:
      - find bulk -type f | wc -l
      - find bulk -type f -empty | wc -l
"""


async def _write(harness: InstanceHarness, files: dict[str, bytes]) -> NamespaceFiles:
    namespace_files = NamespaceFiles(harness.instance.storage)
    for path, content in files.items():
        await namespace_files.write("qa.research", path, content)
    return namespace_files


def _lines(messages: list[str]) -> list[str]:
    return [line.strip() for message in messages for line in message.splitlines() if line.strip()]


async def _task_lines(harness: InstanceHarness, execution_id: str, task_id: str) -> list[str]:
    execution = await harness.instance.executions.get(execution_id)
    logs = await harness.instance.executions.logs(execution_id)
    task_run_id = execution.runs_of_task(task_id)[0].id
    # The script's own output, without the downloader's "Loaded N namespace file(s)" line.
    return _lines(
        [
            entry.message
            for entry in logs
            if entry.task_run_id == task_run_id
            and entry.level == "INFO"
            and not entry.message.startswith("Loaded ")
        ]
    )


async def test_include_folder_rules(instance: InstanceHarness) -> None:
    await _write(
        instance,
        {
            "lib/a.py": b"a",
            "lib/sub/b.py": b"b",
            "top.py": b"t",
            "other/lib/c.py": b"c",
            "liberty.txt": b"l",
            ".hidden/cfg": b"h",
        },
    )

    finished = await instance.run(INCLUDE_FOLDER)

    assert finished.state is State.SUCCESS
    # A pattern starting with a word character matches at any depth, as Kestra's does.
    assert await _task_lines(instance, finished.id, "list_relative") == [
        "./lib/a.py",
        "./lib/sub/b.py",
        "./other/lib/c.py",
    ]
    assert await _task_lines(instance, finished.id, "list_anchored_with_exclude") == ["./lib/a.py"]
    assert await _task_lines(instance, finished.id, "list_nothing") == ["0"]


async def test_names_with_space_and_plus(instance: InstanceHarness) -> None:
    names = {
        "data file.txt": b"SPACE",
        "data+file.txt": b"PLUS",
        unicodedata.normalize("NFC", "été/naïve ü.txt"): b"UNICODE",
        "100%.txt": b"PCT",
        "a#b?.txt": b"HASH",
    }
    namespace_files = await _write(instance, names)

    finished = await instance.run(SPACE_PLUS)

    assert finished.state is State.SUCCESS
    assert await _task_lines(instance, finished.id, "show") == [
        "SPACE",
        "PLUS",
        "UNICODE",
        "PCT",
        "HASH",
    ]
    listed = {
        entry.path.lstrip("/")
        for entry in await namespace_files.list("qa.research", "/", recursive=True)
        if entry.type is EntryType.FILE
    }
    assert listed == set(names)


async def _run_many(harness: InstanceHarness) -> None:
    files = {
        f"bulk/d{folder:02d}/f{number:02d}.txt": b"" if (folder * 50 + number) % 250 == 0 else b"x"
        for folder in range(50)
        for number in range(50)
    }
    assert sum(1 for content in files.values() if content == b"") == 10
    await _write(harness, files)

    finished = await harness.run(MANY, timeout=300)

    assert finished.state is State.SUCCESS
    assert await _task_lines(harness, finished.id, "count") == ["2500", "10"]


async def test_many_files_local(instance: InstanceHarness) -> None:
    await _run_many(instance)


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3TestServer]:
    server = S3TestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_many_files_s3(sqlite_url: str, tmp_path: Path, s3_server: S3TestServer) -> None:
    harness = InstanceHarness(sqlite_url, tmp_path)
    harness.settings.storage_url = s3_server.storage_url(s3_server.create_bucket(), "internal")
    harness.instance = type(harness.instance)(harness.settings)
    await harness.start()
    try:
        await _run_many(harness)
    finally:
        await harness.stop()
