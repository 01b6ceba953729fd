"""Files of script tasks: inputFiles, outputFiles, namespace files, kestra:// URIs in commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.errors import TaskFailure
from lanner.namespace_files import NamespaceFiles
from lanner.storage import execution_file_key, uri_from_key
from tests.scripts.support import NAMESPACE, TaskRun, parse_task


async def test_input_files_written(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles:
    plain.txt: "flow {{ flow.id }}"
    nested/deep/data.json:
      numbers: [1, 2]
      name: "{{ flow.namespace }}"
    empty.txt: null
  commands:
    - cat plain.txt; echo
    - cat nested/deep/data.json; echo
    - wc -c < empty.txt
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == [
        "flow single",
        '{"numbers":[1,2],"name":"qa.scripts"}',
        "0",
    ]


async def test_input_files_from_expression(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles: "{{ inputs.files }}"
  commands:
    - cat a.txt b.txt
"""
    )
    run = TaskRun(tmp_path, inputs={"files": {"a.txt": "A", "b.txt": "B\n"}})

    await run.run(task)

    assert run.messages("INFO") == ["AB"]


async def test_input_files_from_json_text(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles: '{"a.txt": "from json"}'
  commands:
    - cat a.txt
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ["from json"]


async def test_input_files_from_storage(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    key = execution_file_key(NAMESPACE, "single", "execution1", "inputs", "file", "data.bin")
    await run.storage.put(key, b"\x00\x01binary")
    await NamespaceFiles(run.storage).write(NAMESPACE, "lib/helper.sh", b"echo helper")
    task = parse_task(
        f"""
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles:
    copy.bin: "{uri_from_key(key)}"
    helper.sh: "nsfile:///lib/helper.sh"
  commands:
    - od -An -c copy.bin | tr -s ' '
    - sh helper.sh
"""
    )

    await run.run(task)

    assert run.messages("INFO") == [r" \0 001 b i n a r y", "helper"]


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/escape.txt", "a/../../b"])
async def test_input_file_name_rejected(tmp_path: Path, name: str) -> None:
    task = parse_task(
        f"""
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles:
    "{name}": content
  commands:
    - echo never
"""
    )

    with pytest.raises(TaskFailure, match="invalid inputFiles name"):
        await TaskRun(tmp_path).run(task)


async def test_storage_file_of_other_namespace_rejected(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    key = execution_file_key("other.team", "flow", "execution9", "inputs", "secret.txt")
    await run.storage.put(key, b"not yours")
    task = parse_task(
        f"""
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  inputFiles:
    stolen.txt: "{uri_from_key(key)}"
  commands:
    - cat stolen.txt
"""
    )

    with pytest.raises(TaskFailure, match="only files of executions in namespace"):
        await run.run(task)


async def test_output_files_matched_and_stored(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  outputFiles:
    - "*.txt"
    - "**.csv"
    - "reports/?.md"
  commands:
    - mkdir -p sub/deeper reports
    - echo top > top.txt
    - echo nested > sub/nested.txt
    - echo a,b > sub/deeper/table.csv
    - echo one > reports/1.md
    - echo ten > reports/10.md
    - ln -s /etc/hostname link.txt
"""
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    files = outputs["outputFiles"]
    assert sorted(files) == ["reports/1.md", "sub/deeper/table.csv", "top.txt"]
    assert await run.read(files["top.txt"]) == b"top\n"
    assert await run.read(files["sub/deeper/table.csv"]) == b"a,b\n"
    assert all(uri.startswith("kestra:///qa/scripts/single/executions/") for uri in files.values())


async def test_output_files_kept_on_failure(tmp_path: Path) -> None:
    from lanner.tasks.scripts.script_run import ScriptFailure

    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  outputFiles: ["report.txt"]
  commands:
    - echo partial > report.txt
    - exit 2
"""
    )
    run = TaskRun(tmp_path)

    with pytest.raises(ScriptFailure) as failure:
        await run.run(task)

    assert list(failure.value.outputs["outputFiles"]) == ["report.txt"]


async def test_output_directory(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  outputDirectory: true
  commands:
    - echo kept > "{{ outputDir }}/result.txt"
    - test "$OUTPUT_DIR" = "{{ outputDir }}"
"""
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert await run.read(outputs["outputFiles"]["result.txt"]) == b"kept\n"


async def test_namespace_files_loaded(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    files = NamespaceFiles(run.storage)
    await files.write(NAMESPACE, "scripts/main.sh", b"echo from namespace")
    await files.write(NAMESPACE, "scripts/skip.sh", b"echo skipped")
    await files.write(NAMESPACE, "config.txt", b"namespace version")
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  namespaceFiles:
    enabled: true
    exclude: ["**/skip.sh"]
  inputFiles:
    config.txt: input version
  commands:
    - sh scripts/main.sh
    - cat config.txt; echo
    - test ! -e scripts/skip.sh && echo excluded
"""
    )

    await run.run(task)

    assert run.messages("INFO")[-3:] == ["from namespace", "input version", "excluded"]


async def test_namespace_files_disabled(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    await NamespaceFiles(run.storage).write(NAMESPACE, "present.txt", b"x")
    task = parse_task(
        """
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  namespaceFiles:
    enabled: false
  commands:
    - ls
"""
    )

    await run.run(task)

    assert run.messages("INFO") == []


async def test_storage_uri_in_command_localized(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)
    key = execution_file_key(NAMESPACE, "single", "execution1", "tasks", "a", "r", "my file.csv")
    await run.storage.put(key, b"x,y\n")
    task = parse_task(
        f"""
- id: files
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - cat {uri_from_key(key)}
    - "case {uri_from_key(key)} in {{{{ workingDir }}}}/*) echo inside;; esac"
"""
    )

    await run.run(task)

    assert run.messages("INFO") == ["x,y", "inside"]
