"""Shell script tasks run on the Process runner, outside any instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.errors import TaskFailure
from lanner.tasks.scripts.script_run import ScriptFailure
from tests.scripts.support import TaskRun, parse_task


async def test_commands_share_one_shell(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - NAME=lanner
    - echo "hello $NAME"
"""
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs == {"vars": {}, "exitCode": 0, "outputFiles": {}}
    assert run.messages("INFO") == ["hello lanner"]


async def test_script_runs_inline(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Script
  script: |
    for word in a b; do echo "$word"; done
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ["a", "b"]


async def test_before_commands_run_first(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  beforeCommands:
    - export STEP=prepared
  commands:
    - echo "$STEP"
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ["prepared"]


async def test_interpreter_is_used(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  interpreter: ["/bin/sh", "-c", "echo \\"interpreter got: $0\\"", "first"]
  failFast: false
  commands:
    - ignored
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ["interpreter got: first"]


async def test_fail_fast_stops_at_first_error(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - "false"
    - echo after
"""
    )
    run = TaskRun(tmp_path)

    with pytest.raises(ScriptFailure) as failure:
        await run.run(task)

    assert failure.value.outputs["exitCode"] == 1
    assert "after" not in run.messages()


async def test_fail_fast_off_runs_everything(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  failFast: false
  commands:
    - "false"
    - echo after
"""
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert outputs["exitCode"] == 0
    assert run.messages("INFO") == ["after"]


async def test_exit_code_fails_with_stderr_tail(tmp_path: Path) -> None:
    lines = "; ".join(f"echo line{number} >&2" for number in range(15))
    task = parse_task(
        f"""
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - echo '::{{"outputs":{{"partial":true}}}}::'
    - "{lines}"
    - exit 7
"""
    )
    run = TaskRun(tmp_path)

    with pytest.raises(ScriptFailure) as failure:
        await run.run(task)

    message = str(failure.value)
    assert "exited with code 7" in message
    assert "line14" in message
    assert "line5" in message
    assert "line4" not in message
    assert failure.value.outputs["exitCode"] == 7
    assert failure.value.outputs["vars"] == {"partial": True}


async def test_stderr_logged_as_error(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - echo to-out
    - echo to-err >&2
"""
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert outputs["exitCode"] == 0
    assert run.messages("INFO") == ["to-out"]
    assert run.messages("ERROR") == ["to-err"]


async def test_env_rendered(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  env:
    FLOW: "{{ flow.id }}"
    NUMBER: 3
    FLAG: true
    MAP:
      key: "{{ flow.namespace }}"
  commands:
    - echo "$FLOW|$NUMBER|$FLAG|$MAP"
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ['single|3|true|{"key":"qa.scripts"}']


async def test_env_from_expression(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  env: "{{ inputs.variables }}"
  commands:
    - echo "$A-$B"
"""
    )
    run = TaskRun(tmp_path, inputs={"variables": {"A": "x", "B": 2}})

    await run.run(task)

    assert run.messages("INFO") == ["x-2"]


async def test_env_nul_rejected(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  env:
    BAD: "{{ inputs.text }}"
  commands:
    - echo never
"""
    )
    run = TaskRun(tmp_path, inputs={"text": "a\x00b"})

    with pytest.raises(TaskFailure, match="'BAD' contains a NUL character"):
        await run.run(task)


async def test_working_dir_rendered_and_exported(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
    - echo "{{ workingDir }}"
    - echo "$WORKING_DIR"
    - pwd
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    rendered, exported, current = run.messages("INFO")
    assert rendered == exported == current
    assert not Path(rendered).exists()


async def test_attempts_get_fresh_directories(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  failFast: false
  commands:
    - test -e left.txt && echo "found a file of attempt 1" || echo clean
    - echo "attempt {{ taskrun.attemptsCount }}" > left.txt
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task, attempts_count=0)
    await run.run(task, attempts_count=1)

    assert run.messages("INFO") == ["clean", "clean"]


async def test_warning_on_std_err_has_no_effect(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  warningOnStdErr: true
  commands:
    - echo complaint >&2
"""
    )
    run = TaskRun(tmp_path)
    context = run.context(task)

    await task.run(context)

    assert context.warning is False


async def test_missing_interpreter_fails(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: shell
  type: io.kestra.plugin.scripts.shell.Commands
  interpreter: ["/no/such/shell", "-c"]
  commands:
    - echo never
"""
    )

    with pytest.raises(TaskFailure, match="cannot start '/no/such/shell'"):
        await TaskRun(tmp_path).run(task)
