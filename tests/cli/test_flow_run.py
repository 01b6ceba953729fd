"""`lanner flow run` as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lanner.namespace_files import NamespaceFiles
from lanner.storage.base import storage_from_url
from tests import postgres

LANNER = str(Path(sys.executable).parent / "lanner")

GREETING = """
id: greeting
namespace: qa.cli
inputs:
  - id: name
    type: STRING
  - id: times
    type: INT
    defaults: 2
  - id: notes
    type: FILE
    required: false
outputs:
  - id: last
    type: STRING
    value: "{{ outputs.say[inputs.times | string].value }}"
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, inputs.times) }}"
    tasks:
      - id: say
        type: io.kestra.plugin.core.debug.Return
        format: "hello {{ inputs.name }} #{{ taskrun.value }}"
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "notes at {{ inputs.notes ?? 'none' }}"
"""


def _run(
    *arguments: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LANNER, *arguments], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "greeting.yml"
    path.write_text(GREETING, encoding="utf-8")
    return path


def test_run_json_has_kestra_fields(flow_file: Path) -> None:
    result = _run("flow", "run", str(flow_file), "--input", "name=Ada", "--input", "times=3",
                  "--json")

    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    for field in ("id", "namespace", "flowId", "flowRevision", "state", "inputs", "outputs",
                  "labels", "taskRunList"):
        assert field in execution
    assert execution["state"]["current"] == "SUCCESS"
    assert [item["state"] for item in execution["state"]["histories"]] == [
        "CREATED", "RUNNING", "SUCCESS"
    ]
    assert execution["inputs"]["times"] == 3
    assert execution["outputs"] == {"last": "hello Ada #3"}
    say_runs = [run for run in execution["taskRunList"] if run["taskId"] == "say"]
    assert sorted(run["value"] for run in say_runs) == ["1", "2", "3"]
    for run in execution["taskRunList"]:
        for field in ("id", "taskId", "parentTaskRunId", "value", "iteration", "state",
                      "attempts", "outputs"):
            assert field in run


def test_run_prints_state_outputs_logs(flow_file: Path) -> None:
    result = _run("flow", "run", str(flow_file), "--input", "name=Bo")

    assert result.returncode == 0, result.stderr
    assert "SUCCESS" in result.stdout
    assert "hello Bo #2" in result.stdout
    assert "notes at none" in result.stdout


def test_run_with_input_file(flow_file: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("remember", encoding="utf-8")

    result = _run("flow", "run", str(flow_file), "--input", "name=Cy", "--input-file",
                  f"notes={notes}", "--json")

    assert result.returncode == 0, result.stderr
    uri = json.loads(result.stdout)["inputs"]["notes"]
    assert uri.startswith("kestra:///qa/cli/greeting/executions/")
    assert uri.endswith("/inputs/notes/notes.txt")


def test_failed_execution_exits_one(tmp_path: Path) -> None:
    path = tmp_path / "fail.yml"
    path.write_text(
        "id: failing\nnamespace: qa.cli\ntasks:\n"
        "  - id: boom\n    type: io.kestra.plugin.core.execution.Fail\n"
        "    errorMessage: broken on purpose\n",
        encoding="utf-8",
    )

    result = _run("flow", "run", str(path))

    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "broken on purpose" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--input", "times=3"], "name"),
        (["--input", "name=Ada", "--input", "times=three"], "times"),
        (["--input", "name"], "NAME=VALUE"),
        (["--input", "name=Ada", "--input-file", "notes=/no/such/file"], "/no/such/file"),
    ],
)
def test_bad_inputs_exit_two(flow_file: Path, arguments: list[str], message: str) -> None:
    result = _run("flow", "run", str(flow_file), *arguments)

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_flow_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "invalid.yml"
    path.write_text(
        "id: invalid\nnamespace: qa.cli\ntasks:\n"
        "  - id: log\n    type: io.kestra.plugin.core.log.Logg\n    message: hi\n",
        encoding="utf-8",
    )

    result = _run("flow", "run", str(path))

    assert result.returncode == 2
    assert f"{path}:5:11" in result.stderr
    assert "io.kestra.plugin.core.log.Log" in result.stderr


def test_missing_file_exits_two(tmp_path: Path) -> None:
    result = _run("flow", "run", str(tmp_path / "absent.yml"))

    assert result.returncode == 2
    assert "absent.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_interrupt_kills_and_exits_130(tmp_path: Path) -> None:
    path = tmp_path / "slow.yml"
    path.write_text(
        "id: slow\nnamespace: qa.cli\ntasks:\n"
        "  - id: nap\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT60S\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [LANNER, "flow", "run", str(path), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(3)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()

    assert process.returncode == 130, stderr
    execution = json.loads(stdout)
    assert execution["state"]["current"] == "KILLED"
    nap = next(run for run in execution["taskRunList"] if run["taskId"] == "nap")
    assert nap["state"]["current"] == "KILLED"


def test_run_deploys_subflows_folder(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "child.yml").write_text(
        "id: child\nnamespace: qa.cli\noutputs:\n  - id: said\n    type: STRING\n"
        "    value: \"{{ outputs.say.value }}\"\ntasks:\n"
        "  - id: say\n    type: io.kestra.plugin.core.debug.Return\n    format: from child\n",
        encoding="utf-8",
    )
    parent = tmp_path / "parent.yml"
    parent.write_text(
        "id: parent\nnamespace: qa.cli\ntasks:\n"
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        "    namespace: qa.cli\n    flowId: child\n",
        encoding="utf-8",
    )

    result = _run("flow", "run", str(parent), "--flows", str(flows), "--json")

    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    call = next(run for run in execution["taskRunList"] if run["taskId"] == "call")
    assert call["outputs"]["outputs"] == {"said": "from child"}


READ_NAMESPACE_FILE = """
id: reader
namespace: qa.cli
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('/config/a b.txt') }}"
"""


def _store_namespace_file(storage_url: str) -> None:
    async def write() -> None:
        storage = storage_from_url(storage_url)
        await NamespaceFiles(storage).write("qa.cli", "config/a b.txt", b"stored before the run")

    asyncio.run(write())


@pytest.mark.parametrize("through", ["option", "environment"])
def test_run_reads_given_storage(tmp_path: Path, through: str) -> None:
    storage_url = f"file://{tmp_path / 'storage'}"
    _store_namespace_file(storage_url)
    flow = tmp_path / "reader.yml"
    flow.write_text(READ_NAMESPACE_FILE, encoding="utf-8")

    if through == "option":
        result = _run("flow", "run", str(flow), "--storage", storage_url, "--json")
    else:
        result = _run("flow", "run", str(flow), "--json", env={"LANNER_STORAGE_URL": storage_url})

    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    (show,) = execution["taskRunList"]
    assert show["outputs"]["value"] == "stored before the run"


def test_undeclared_input_warns_cleanly(flow_file: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("unused", encoding="utf-8")

    result = _run("flow", "run", str(flow_file), "--input", "name=Di", "--input", "colour=red",
                  "--input-file", f"attachment={extra}", "--json")

    assert result.returncode == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert warnings == [
        "Warning: input 'attachment' is not declared by flow qa.cli.greeting, "
        "so it was ignored",
        "Warning: input 'colour' is not declared by flow qa.cli.greeting, so it was ignored",
    ]
    assert "colour" not in json.loads(result.stdout)["inputs"]


def test_file_input_path_hints_input_file(flow_file: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("remember", encoding="utf-8")

    result = _run("flow", "run", str(flow_file), "--input", "name=Ed", "--input",
                  f"notes={notes}")

    assert result.returncode == 2
    assert "--input-file notes=PATH" in result.stderr
    assert repr(str(notes)) in result.stderr
    assert "multipart" not in result.stderr


def test_file_input_uri_still_accepted(flow_file: Path) -> None:
    result = _run("flow", "run", str(flow_file), "--input", "name=Fy", "--input",
                  "notes=kestra:///qa/cli/nowhere.txt", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["inputs"]["notes"] == "kestra:///qa/cli/nowhere.txt"


@pytest.mark.postgres
def test_absent_postgres_database_explained(flow_file: Path) -> None:
    postgres.require_postgres()
    url = f"postgresql+psycopg://{postgres.USER}:secret@{postgres.HOST}:{postgres.PORT}"
    url += "/cli_fix_never_created"

    result = _run("flow", "run", str(flow_file), "--input", "name=Gu", "--database", url)

    assert result.returncode == 2
    first, *rest = result.stderr.splitlines()
    assert first.startswith(
        f"Error: cannot connect to the database {url.replace(':secret@', ':***@')}: "
    )
    assert 'database "cli_fix_never_created" does not exist' in first
    assert rest == [
        "Create the database or start its server, or fix the URL in --database or "
        "LANNER_DATABASE_URL."
    ]
    assert "secret" not in result.stderr
    assert "sqlalche.me" not in result.stderr


def test_unusable_sqlite_file_explained(flow_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()

    result = _run("flow", "run", str(flow_file), "--input", "name=Hal", "--database",
                  f"sqlite:///{folder}")

    assert result.returncode == 2
    assert f"cannot connect to the database sqlite+aiosqlite:///{folder}: " in result.stderr
    assert "unable to open database file" in result.stderr
    assert "unexpected error" not in result.stderr


CALLS_EACH_OTHER = """
id: ping
namespace: qa.cli
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.cli
    flowId: pong
---
id: pong
namespace: qa.cli
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: qa.cli
    flowId: ping
"""


def test_run_prints_subflow_cause(tmp_path: Path) -> None:
    flow = tmp_path / "ping.yml"
    flow.write_text(CALLS_EACH_OTHER, encoding="utf-8")

    result = _run("flow", "run", str(flow), env={"COLUMNS": "200"})

    assert result.returncode == 1, result.stderr
    assert "Errors of subflow executions:" in result.stdout
    assert "subflow levels deep" in result.stdout
