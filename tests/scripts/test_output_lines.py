"""`::{...}::` lines: outputs merged into `vars`, metrics on the attempt, log entries."""

from __future__ import annotations

from pathlib import Path

from tests.scripts.support import TaskRun, parse_task


def commands_task(*commands: str) -> object:
    lines = "\n".join(f"    - {command}" for command in commands)
    return parse_task(
        f"""
- id: lines
  type: io.kestra.plugin.scripts.shell.Commands
  commands:
{lines}
"""
    )


async def test_outputs_merged_across_lines(tmp_path: Path) -> None:
    task = commands_task(
        """echo '::{"outputs":{"a":1,"b":{"x":true}}}::'""",
        """echo '::{"outputs":{"b":{"y":null},"c":[1.5,"two"]}}::' >&2""",
    )
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert outputs["vars"] == {"a": 1, "b": {"y": None}, "c": [1.5, "two"]}
    assert run.messages() == []


async def test_metrics_recorded(tmp_path: Path) -> None:
    task = commands_task(
        """echo '::{"metrics":[{"name":"rows","type":"counter","value":3,"""
        """"tags":{"table":"a"}}]}::'""",
        """echo '::{"metrics":[{"name":"load","type":"timer","value":2.5}]}::'""",
        """echo '::{"metrics":[{"name":"load","type":"timer","value":"PT1M"}]}::'""",
        """echo '::{"metrics":[{"name":"queue","type":"gauge","value":-1}]}::'""",
    )
    run = TaskRun(tmp_path)
    context = run.context(task)

    await task.run(context)

    assert context.metrics == [
        {"name": "rows", "type": "counter", "value": 3.0, "tags": {"table": "a"}},
        {"name": "load", "type": "timer", "value": "PT2.5S", "tags": {}},
        {"name": "load", "type": "timer", "value": "PT1M", "tags": {}},
        {"name": "queue", "type": "gauge", "value": -1.0, "tags": {}},
    ]


async def test_invalid_metrics_warned(tmp_path: Path) -> None:
    task = commands_task(
        """echo '::{"metrics":[{"name":"","type":"counter","value":1}]}::'""",
        """echo '::{"metrics":[{"name":"x","type":"histogram","value":1}]}::'""",
        """echo '::{"metrics":[{"name":"x","type":"counter","value":"many"}]}::'""",
        """echo '::{"metrics":{"name":"x"}}::'""",
    )
    run = TaskRun(tmp_path)
    context = run.context(task)

    await task.run(context)

    assert context.metrics == []
    assert len(run.messages("WARN")) == 4


async def test_log_entries_logged_at_level(tmp_path: Path) -> None:
    task = commands_task(
        """echo '::{"logs":[{"level":"WARNING","message":"careful"},"""
        """{"level":"DEBUG","message":"detail"}]}::'""",
    )
    run = TaskRun(tmp_path)

    await run.run(task)

    assert [(record.level, record.message) for record in run.records] == [
        ("WARN", "careful"),
        ("DEBUG", "detail"),
    ]


async def test_invalid_json_line_warned(tmp_path: Path) -> None:
    task = commands_task("""echo '::{"outputs":nope}::'""")
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert outputs["vars"] == {}
    [warning] = run.messages("WARN")
    assert "invalid `::{...}::` line" in warning


async def test_lines_not_alone_are_logged(tmp_path: Path) -> None:
    task = commands_task("""echo 'prefix ::{"outputs":{"a":1}}::'""")
    run = TaskRun(tmp_path)

    outputs = await run.run(task)

    assert outputs is not None
    assert outputs["vars"] == {}
    assert run.messages("INFO") == ["""prefix ::{"outputs":{"a":1}}::"""]
