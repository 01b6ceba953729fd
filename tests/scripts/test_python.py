"""Python script tasks on the Process runner, and the `lanner_helpers` module."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest

from lanner.errors import TaskFailure
from lanner.tasks.scripts import python_packages
from lanner.tasks.scripts.script_run import ScriptFailure
from tests.scripts.support import TaskRun, parse_task


async def test_script_uses_helpers(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: python
  type: io.kestra.plugin.scripts.python.Script
  script: |
    import lanner_helpers
    print("flow {{ flow.id }}")
    lanner_helpers.outputs({"rows": 42, "nested": {"ok": True, "none": None}})
    lanner_helpers.counter("rows", 42, {"table": "orders"})
    lanner_helpers.timer("pause", 0.25)
    with lanner_helpers.timed("block"):
        pass
    lanner_helpers.gauge("depth", 3.5)
    lanner_helpers.log("warning", "look out")
"""
    )
    run = TaskRun(tmp_path)
    context = run.context(task)

    outputs = await task.run(context)

    assert outputs["vars"] == {"rows": 42, "nested": {"ok": True, "none": None}}
    assert run.messages("INFO") == ["flow single"]
    assert run.messages("WARN") == ["look out"]
    names = [(metric["type"], metric["name"]) for metric in context.metrics]
    assert names == [
        ("counter", "rows"),
        ("timer", "pause"),
        ("timer", "block"),
        ("gauge", "depth"),
    ]
    assert context.metrics[0]["tags"] == {"table": "orders"}
    assert context.metrics[1]["value"] == "PT0.25S"


async def test_commands_run_python(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: python
  type: io.kestra.plugin.scripts.python.Commands
  inputFiles:
    main.py: |
      import sys
      print("major", sys.version_info[0])
  commands:
    - python main.py
    - python3 main.py
"""
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert run.messages("INFO") == ["major 3", "major 3"]


async def test_script_error_quotes_traceback(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: python
  type: io.kestra.plugin.scripts.python.Script
  script: |
    raise ValueError("broken input")
"""
    )
    run = TaskRun(tmp_path)

    with pytest.raises(ScriptFailure) as failure:
        await run.run(task)

    assert "exited with code 1" in str(failure.value)
    assert "ValueError: broken input" in str(failure.value)
    assert "ValueError: broken input" in run.messages("ERROR")


async def test_helpers_reject_non_json(tmp_path: Path) -> None:
    task = parse_task(
        """
- id: python
  type: io.kestra.plugin.scripts.python.Script
  script: |
    import lanner_helpers
    lanner_helpers.outputs({"value": object()})
"""
    )

    with pytest.raises(ScriptFailure, match="is not JSON"):
        await TaskRun(tmp_path).run(task)


def local_wheel(folder: Path) -> Path:
    """Build a wheel of a one-module package, so that installing it needs no network."""
    wheel = folder / "lanner_probe-1.0-py3-none-any.whl"
    files = {
        "lanner_probe/__init__.py": "VALUE = 42\n",
        "lanner_probe-1.0.dist-info/METADATA": (
            "Metadata-Version: 2.1\nName: lanner-probe\nVersion: 1.0\n"
        ),
        "lanner_probe-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + "lanner_probe-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("lanner_probe-1.0.dist-info/RECORD", record)
    return wheel


def dependencies_task(wheel: Path, cached: bool) -> object:
    return parse_task(
        f"""
- id: python
  type: io.kestra.plugin.scripts.python.Script
  packageManager: PIP
  dependencyCacheEnabled: {str(cached).lower()}
  dependencies: ["{wheel}"]
  script: |
    import lanner_probe
    print("probe", lanner_probe.VALUE)
"""
    )


async def test_dependencies_installed(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)

    await run.run(dependencies_task(local_wheel(tmp_path), cached=False))

    assert run.messages("INFO")[-1] == "probe 42"
    assert not list(Path(tempfile.gettempdir()).glob("lanner-packages-*/lanner_probe"))


async def test_dependencies_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_packages, "CACHE_ROOT", tmp_path / "cache")
    task = dependencies_task(local_wheel(tmp_path), cached=True)
    first, second = TaskRun(tmp_path), TaskRun(tmp_path)

    await first.run(task)
    await second.run(task)

    assert first.messages("INFO")[-1] == second.messages("INFO")[-1] == "probe 42"
    assert any(message.startswith("installing 1 Python package") for message in first.messages())
    assert not any(message.startswith("installing") for message in second.messages())
    [folder] = (tmp_path / "cache").iterdir()
    assert (folder / "lanner_probe" / "__init__.py").is_file()


async def test_dependencies_install_failure(tmp_path: Path) -> None:
    task = dependencies_task(tmp_path / "missing-1.0-py3-none-any.whl", cached=False)

    with pytest.raises(TaskFailure, match="installing `dependencies` failed"):
        await TaskRun(tmp_path).run(task)
