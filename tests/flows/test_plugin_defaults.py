"""pluginDefaults and taskDefaults: matching by type, prefix and older names, and precedence."""

from __future__ import annotations

import pytest

from lanner.flows.model import Flow
from lanner.tasks.log import Log
from lanner.tasks.scripts.shell import Commands
from lanner.triggers.schedule import Schedule
from tests.flows.helpers import only_problem, parse_one


def flow_of(text: str) -> Flow:
    document = parse_one(text)
    assert document.problems == [], [problem.format() for problem in document.problems]
    assert document.flow is not None
    return document.flow


def defaults_flow(defaults: str, task_type: str = "io.kestra.plugin.core.log.Log") -> str:
    return (
        "id: sample\nnamespace: company.team\n"
        f"pluginDefaults:\n{defaults}"
        f"tasks:\n  - id: log\n    type: {task_type}\n    message: hi\n"
    )


def log_level(flow: Flow) -> str:
    task = flow.tasks[0]
    assert isinstance(task, Log)
    return task.level.value


def test_default_by_exact_type() -> None:
    flow = flow_of(
        defaults_flow("  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: WARN\n")
    )

    assert log_level(flow) == "WARN"


def test_default_by_prefix() -> None:
    flow = flow_of(
        defaults_flow("  - type: io.kestra.plugin.core\n    values:\n      level: ERROR\n")
    )

    assert log_level(flow) == "ERROR"


def test_prefix_must_match_segments() -> None:
    flow = flow_of(
        defaults_flow("  - type: io.kestra.plugin.co\n    values:\n      level: ERROR\n")
    )

    assert log_level(flow) == "INFO"


def test_task_value_wins() -> None:
    text = defaults_flow(
        "  - type: io.kestra.plugin.core.log.Log\n    values:\n      message: other\n"
    )

    task = flow_of(text).tasks[0]

    assert isinstance(task, Log)
    assert task.message == "hi"


def test_forced_default_wins() -> None:
    defaults = (
        "  - type: io.kestra.plugin.core.log.Log\n    forced: true\n"
        "    values:\n      message: forced\n"
    )

    task = flow_of(defaults_flow(defaults)).tasks[0]

    assert isinstance(task, Log)
    assert task.message == "forced"


def test_earlier_default_wins() -> None:
    defaults = (
        "  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: WARN\n"
        "  - type: io.kestra.plugin.core\n    values:\n      level: ERROR\n"
    )

    assert log_level(flow_of(defaults_flow(defaults))) == "WARN"


@pytest.mark.parametrize(
    ("default_type", "task_type"),
    [
        ("io.kestra.core.tasks.log.Log", "io.kestra.plugin.core.log.Log"),
        ("io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"),
        ("io.kestra.core.tasks", "io.kestra.plugin.core.log.Log"),
    ],
)
def test_default_across_older_names(default_type: str, task_type: str) -> None:
    defaults = f"  - type: {default_type}\n    values:\n      level: DEBUG\n"

    assert log_level(flow_of(defaults_flow(defaults, task_type))) == "DEBUG"


def test_older_task_defaults_name() -> None:
    text = defaults_flow("").replace(
        "pluginDefaults:\n",
        "taskDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: WARN\n",
    )

    assert log_level(flow_of(text)) == "WARN"


def test_default_for_trigger() -> None:
    text = (
        defaults_flow(
            "  - type: io.kestra.plugin.core.trigger.Schedule\n"
            "    values:\n      timezone: Asia/Tokyo\n"
        )
        + "triggers:\n  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        + "    cron: '@daily'\n"
    )

    trigger = (flow_of(text).triggers or [])[0]

    assert isinstance(trigger, Schedule)
    assert trigger.timezone == "Asia/Tokyo"


def test_default_for_task_runner() -> None:
    defaults = (
        "  - type: io.kestra.plugin.scripts\n    values:\n      taskRunner:\n"
        "        type: io.kestra.plugin.core.runner.Process\n      containerImage: ubuntu\n"
    )
    text = defaults_flow(defaults, "io.kestra.plugin.scripts.shell.Commands").replace(
        "message: hi", "commands: [echo hi]"
    )

    task = flow_of(text).tasks[0]

    assert isinstance(task, Commands)
    assert task.task_runner is not None
    assert task.task_runner.type == "io.kestra.plugin.core.runner.Process"
    assert task.container_image == "ubuntu"


def test_prefix_default_skips_foreign_properties() -> None:
    # `containerImage` suits script tasks, not Log, and the prefix covers both.
    defaults = "  - type: io.kestra\n    values:\n      containerImage: ubuntu\n      level: WARN\n"

    assert log_level(flow_of(defaults_flow(defaults))) == "WARN"


def test_exact_default_typo_located() -> None:
    defaults = "  - type: io.kestra.plugin.core.log.Log\n    values:\n      levle: WARN\n"

    problem = only_problem(defaults_flow(defaults))

    assert problem.path == "pluginDefaults[0].values.levle"
    assert (problem.line, problem.column) == (6, 7)
    assert problem.message == "unknown property 'levle' (set by pluginDefaults for tasks[0])"
    assert problem.hint == "did you mean 'level'?"


def test_default_problem_reported_once() -> None:
    defaults = "  - type: io.kestra.plugin.core.log.Log\n    values:\n      level: LOUD\n"
    text = (
        defaults_flow(defaults)
        + "  - id: second\n    type: io.kestra.plugin.core.log.Log\n    message: b\n"
    )

    problem = only_problem(text)

    assert problem.path == "pluginDefaults[0].values.level"


def test_invalid_default_entry() -> None:
    problem = only_problem(defaults_flow("  - values:\n      level: WARN\n"))

    assert problem.message == "missing required property 'type'"
    assert problem.path == "pluginDefaults[0]"
