"""The task models added for Kestra 1.x: properties, older names and task-specific checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lanner.flows.executable import ExecutableFlow
from lanner.tasks import core_task_types
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.flow.for_each_item import ForEachItem
from lanner.tasks.flow.pause import Pause
from lanner.tasks.flow.subflow import Subflow
from lanner.tasks.flow.working_directory import WorkingDirectory
from lanner.tasks.http import Request
from lanner.tasks.registry import TaskRegistry
from lanner.tasks.scripts.python import Script
from lanner.tasks.scripts.runners import Docker
from lanner.tasks.scripts.shell import Commands
from tests.flows.helpers import flow_with_tasks, only_problem, parse_one

REGISTRY = TaskRegistry(core_task_types())


def single_task(tasks: str) -> Task:
    document = parse_one(flow_with_tasks(tasks))
    assert document.problems == [], [problem.format() for problem in document.problems]
    assert document.flow is not None
    return document.flow.tasks[0]


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("io.kestra.core.tasks.flows.Pause", "io.kestra.plugin.core.flow.Pause"),
        ("io.kestra.plugin.core.flow.Flow", "io.kestra.plugin.core.flow.Subflow"),
        ("io.kestra.core.tasks.flows.Flow", "io.kestra.plugin.core.flow.Subflow"),
        ("io.kestra.core.tasks.flows.Subflow", "io.kestra.plugin.core.flow.Subflow"),
        ("io.kestra.core.tasks.flows.ForEachItem", "io.kestra.plugin.core.flow.ForEachItem"),
        ("io.kestra.core.tasks.flows.Worker", "io.kestra.plugin.core.flow.WorkingDirectory"),
        ("io.kestra.core.tasks.executions.Labels", "io.kestra.plugin.core.execution.Labels"),
        ("io.kestra.plugin.fs.http.Request", "io.kestra.plugin.core.http.Request"),
        ("io.kestra.plugin.fs.http.Download", "io.kestra.plugin.core.http.Download"),
    ],
)
def test_older_names_resolve(name: str, current: str) -> None:
    assert REGISTRY.canonical(name) == current


@pytest.mark.parametrize(
    "name",
    [
        "io.kestra.plugin.core.execution.Resume",
        "io.kestra.plugin.core.execution.Exit",
        "io.kestra.plugin.core.kv.Set",
        "io.kestra.plugin.core.kv.Get",
        "io.kestra.plugin.core.kv.GetKeys",
        "io.kestra.plugin.core.kv.Delete",
        "io.kestra.plugin.core.namespace.UploadFiles",
        "io.kestra.plugin.core.namespace.DownloadFiles",
        "io.kestra.plugin.core.namespace.DeleteFiles",
        "io.kestra.plugin.scripts.shell.Commands",
        "io.kestra.plugin.scripts.shell.Script",
        "io.kestra.plugin.scripts.python.Commands",
        "io.kestra.plugin.scripts.python.Script",
    ],
)
def test_core_types_registered(name: str) -> None:
    assert name in REGISTRY


def test_pause_delay_is_pause_duration() -> None:
    task = single_task(
        "  - id: wait\n    type: io.kestra.plugin.core.flow.Pause\n    delay: PT2M\n"
    )

    assert isinstance(task, Pause)
    assert task.pause_duration == timedelta(minutes=2)
    assert task.behavior == "RESUME"


def test_pause_on_resume_inputs() -> None:
    tasks = (
        "  - id: wait\n    type: io.kestra.plugin.core.flow.Pause\n    onResume:\n"
        "      - id: ok\n        type: BOOLEAN\n"
    )

    task = single_task(tasks)

    assert isinstance(task, Pause)
    assert [item.id for item in task.on_resume or []] == ["ok"]


def test_pause_bad_on_resume_input() -> None:
    tasks = (
        "  - id: wait\n    type: io.kestra.plugin.core.flow.Pause\n    onResume:\n"
        "      - id: ok\n        type: NUMBER\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.path.startswith("tasks[0].onResume[0]")


def test_subflow_defaults() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        "    namespace: company.team\n    flowId: child\n    labels:\n      a: b\n"
    )

    task = single_task(tasks)

    assert isinstance(task, Subflow)
    assert task.wait is True
    assert task.transmit_failed is True
    assert task.inherit_labels is False
    assert [(label.key, label.value) for label in task.labels or []] == [("a", "b")]


def test_subflow_requires_flow_id() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: company.team\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "missing required property 'flowId'"


def test_subflow_calling_itself() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        "    namespace: company.team\n    flowId: sample\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.path == "tasks[0].flowId"
    assert "its own flow" in problem.message


def test_for_each_item_batch() -> None:
    tasks = (
        "  - id: each\n    type: io.kestra.plugin.core.flow.ForEachItem\n"
        "    items: '{{ inputs.file }}'\n    batch:\n      rows: 5\n"
        "    namespace: company.team\n    flowId: child\n"
    )

    task = single_task(tasks)

    assert isinstance(task, ForEachItem)
    assert task.batch.rows == 5


@pytest.mark.parametrize("field", ["rows", "partitions"])
def test_for_each_item_batch_below_one(field: str) -> None:
    tasks = (
        "  - id: each\n    type: io.kestra.plugin.core.flow.ForEachItem\n"
        f"    items: '{{{{ inputs.file }}}}'\n    batch:\n      {field}: 0\n"
        "    namespace: company.team\n    flowId: child\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.path == f"tasks[0].batch.{field}"
    assert "0 is not a batch size" in problem.message


def test_working_directory_rejects_flowable() -> None:
    tasks = (
        "  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    tasks:\n"
        "      - id: inner\n        type: io.kestra.plugin.core.flow.Sequential\n        tasks:\n"
        "          - id: log\n            type: io.kestra.plugin.core.log.Log\n"
        "            message: x\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.path == "tasks[0].tasks[0].type"
    assert "flowable" in problem.message


def test_working_directory_child_is_indexed() -> None:
    tasks = (
        "  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    tasks:\n"
        "      - id: inner\n        type: io.kestra.plugin.scripts.shell.Commands\n"
        "        commands: [ls]\n"
    )
    document = parse_one(flow_with_tasks(tasks))
    assert document.flow is not None

    executable = ExecutableFlow.of(document.flow)

    assert isinstance(executable.task("wd"), WorkingDirectory)
    assert isinstance(executable.task("inner"), Commands)


def test_script_task_round_trip() -> None:
    # A worker rebuilds a runnable task from its JSON form, runner settings included.
    tasks = (
        "  - id: py\n    type: io.kestra.plugin.scripts.python.Script\n    script: print(1)\n"
        "    targetOS: LINUX\n"
        "    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Docker\n"
        "      memory:\n        memory: 1GB\n"
    )
    document = parse_one(flow_with_tasks(tasks))
    assert document.flow is not None

    dump = ExecutableFlow.of(document.flow).task_dump("py")
    rebuilt = Script.model_validate(dump)

    assert dump["taskRunner"]["memory"] == {"memory": "1GB"}
    assert dump["targetOS"] == "LINUX"
    assert isinstance(rebuilt.task_runner, Docker)
    assert rebuilt.task_runner.memory is not None
    assert rebuilt.task_runner.memory.memory == "1GB"


def test_http_request_options() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.http.Request\n    uri: http://127.0.0.1\n"
        "    method: POST\n    options:\n      auth:\n        type: BASIC\n        username: u\n"
    )

    task = single_task(tasks)

    assert isinstance(task, Request)
    assert task.options is not None
    assert task.options.auth is not None
    assert task.options.auth.username == "u"


def test_http_method_expression_allowed() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.http.Request\n    uri: http://127.0.0.1\n"
        '    method: "{{ inputs.method }}"\n'
    )

    task = single_task(tasks)

    assert isinstance(task, Request)
    assert task.method == "{{ inputs.method }}"


def test_exit_state_checked() -> None:
    tasks = "  - id: stop\n    type: io.kestra.plugin.core.execution.Exit\n    state: STOPPED\n"

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.hint == "use one of: SUCCESS, WARNING, KILLED, FAILED, CANCELED"


def test_exit_is_not_runnable() -> None:
    task = single_task("  - id: stop\n    type: io.kestra.plugin.core.execution.Exit\n")

    assert not isinstance(task, RunnableTask)
    assert not task.is_flowable
