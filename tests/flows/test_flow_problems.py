"""Validation problems: each placed at line and column, with its path and a fix hint."""

from __future__ import annotations

import pytest

from tests.flows.helpers import flow_with_tasks, only_problem, parse_one, problems_of

LOG = "    type: io.kestra.plugin.core.log.Log\n"


def test_unknown_task_type_suggests() -> None:
    problem = only_problem(
        flow_with_tasks("  - id: hello\n    type: io.kestra.plugin.core.log.Logg\n    message: x\n")
    )

    assert problem.message == "unknown task type 'io.kestra.plugin.core.log.Logg'"
    assert problem.hint == "did you mean 'io.kestra.plugin.core.log.Log'?"
    assert problem.path == "tasks[0].type"
    assert (problem.line, problem.column) == (5, 11)


def test_short_task_type_suggests() -> None:
    problem = only_problem(flow_with_tasks("  - id: hello\n    type: Subflow\n"))

    assert problem.hint == "did you mean 'io.kestra.plugin.core.flow.Subflow'?"


def test_unknown_property_suggests() -> None:
    problem = only_problem(flow_with_tasks("  - id: hello\n" + LOG + "    mesage: x\n"))

    assert problem.message == "unknown property 'mesage'"
    assert problem.hint == "did you mean 'message'?"
    assert problem.path == "tasks[0].mesage"
    assert (problem.line, problem.column) == (6, 5)


def test_nested_retry_property_suggests() -> None:
    tasks = (
        "  - id: hello\n" + LOG + "    message: x\n"
        "    retry:\n      type: constant\n      intervall: PT1S\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "unknown property 'intervall'"
    assert problem.hint == "did you mean 'interval'?"
    assert problem.path == "tasks[0].retry.intervall"
    assert (problem.line, problem.column) == (9, 7)


def test_task_runner_type_suggests() -> None:
    tasks = (
        "  - id: sh\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    commands: [echo hi]\n"
        "    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Dockr\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message.startswith("unknown task runner type")
    assert problem.hint == "did you mean 'io.kestra.plugin.scripts.runner.docker.Docker'?"
    assert problem.path == "tasks[0].taskRunner.type"


def test_task_runner_property_lists_valid() -> None:
    tasks = (
        "  - id: sh\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    commands: [echo hi]\n"
        "    taskRunner:\n      type: io.kestra.plugin.core.runner.Process\n      cpu: 1\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "unknown property 'cpu'"
    assert problem.hint == "remove it; the properties here are type, version"


def test_docker_runner_property_suggests() -> None:
    tasks = (
        "  - id: sh\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    commands: [echo hi]\n"
        "    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Docker\n"
        "      pulPolicy: ALWAYS\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.hint == "did you mean 'pullPolicy'?"


def test_missing_property_hint() -> None:
    problem = only_problem(flow_with_tasks("  - id: hello\n" + LOG))

    assert problem.message == "missing required property 'message'"
    assert problem.hint == "add 'message'"
    assert problem.path == "tasks[0]"
    assert problem.line == 4


def test_invalid_choice_lists_values() -> None:
    tasks = "  - id: gate\n    type: io.kestra.plugin.core.flow.Pause\n    behavior: WAIT\n"

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "invalid value 'WAIT'"
    assert problem.hint == "use one of: RESUME, WARN, FAIL, CANCEL"
    assert (problem.line, problem.column) == (6, 15)


def test_wrong_type_says_expected() -> None:
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        "    namespace: company.team\n    flowId: other\n    wait: maybe\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "invalid value 'maybe'"
    assert problem.hint == "expected true or false"


def test_union_value_merges_expected() -> None:
    tasks = "  - id: hello\n" + LOG + "    message:\n      key: value\n"

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "invalid value (a mapping)"
    assert problem.hint == "expected text or a list"


def test_invalid_duration_hint() -> None:
    tasks = "  - id: nap\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: soon\n"

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "invalid duration 'soon'"
    assert problem.hint is not None
    assert "PT30S" in problem.hint


def test_duplicate_yaml_key() -> None:
    text = flow_with_tasks("  - id: hello\n" + LOG + "    message: a\n    message: b\n")

    problem = only_problem(text)

    assert problem.message == "duplicate key 'message'"
    assert problem.hint is not None
    assert (problem.line, problem.column) == (7, 5)


def test_duplicate_task_ids() -> None:
    tasks = (
        "  - id: same\n" + LOG + "    message: a\n"
        "  - id: group\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
        "      - id: same\n        type: io.kestra.plugin.core.log.Log\n        message: b\n"
    )

    problem = only_problem(flow_with_tasks(tasks))

    assert problem.message == "duplicate task id 'same', already used by tasks[0] (line 4)"
    assert problem.hint == "give each task its own id"
    assert problem.path == "tasks[1].tasks[0].id"
    assert problem.line == 10


def test_duplicate_id_of_invalid_task() -> None:
    tasks = "  - id: same\n" + LOG + "    message: a\n  - id: same\n    type: Nope\n"

    messages = [problem.message for problem in problems_of(flow_with_tasks(tasks))]

    assert "unknown task type 'Nope'" in messages
    assert "duplicate task id 'same', already used by tasks[0] (line 4)" in messages


def test_duplicate_ids_across_branches() -> None:
    text = (
        flow_with_tasks(
            "  - id: same\n" + LOG + "    message: a\n",
        )
        + "errors:\n  - id: same\n"
        + LOG.replace("    ", "    ", 1)
        + "    message: b\n"
    )

    problem = only_problem(text)

    assert problem.path == "errors[0].id"


def test_duplicate_trigger_ids() -> None:
    triggers = (
        "triggers:\n"
        "  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: a\n"
        "  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: b\n"
    )
    text = flow_with_tasks("  - id: hello\n" + LOG + "    message: a\n") + triggers

    problem = only_problem(text)

    assert problem.message.startswith("duplicate trigger id 'hook'")
    assert problem.path == "triggers[1].id"


@pytest.mark.parametrize(
    ("flow_id", "valid"),
    [("my_flow", True), ("my-flow.v2", True), ("2fast", True), ("my flow", False), ("-x", False)],
)
def test_flow_id_rule(flow_id: str, valid: bool) -> None:
    text = f"id: '{flow_id}'\nnamespace: company.team\ntasks:\n  - id: a\n{LOG}    message: a\n"

    problems = problems_of(text)

    assert (problems == []) is valid
    if not valid:
        assert problems[0].path == "id"
        assert problems[0].hint is not None


@pytest.mark.parametrize(
    ("namespace", "hint"),
    [
        ("Company.Team", "write it in lowercase: 'company.team'"),
        (
            "company team",
            "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
        ),
    ],
)
def test_namespace_rule(namespace: str, hint: str) -> None:
    text = f"id: a\nnamespace: '{namespace}'\ntasks:\n  - id: a\n{LOG}    message: a\n"

    problem = only_problem(text)

    assert problem.message == f"invalid namespace {namespace!r}"
    assert problem.hint == hint
    assert (problem.line, problem.column) == (2, 12)


@pytest.mark.parametrize("task_id", ["has space", "_leading", "dot.ted"])
def test_task_id_rule(task_id: str) -> None:
    problem = only_problem(flow_with_tasks(f"  - id: '{task_id}'\n{LOG}    message: a\n"))

    assert problem.path == "tasks[0].id"
    assert problem.message == f"invalid task id {task_id!r}"
    assert problem.hint == "use letters, digits, '_' and '-', starting with a letter or digit"


def test_trigger_id_rule() -> None:
    triggers = (
        "triggers:\n  - id: 'bad id'\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: k\n"
    )
    text = flow_with_tasks(f"  - id: a\n{LOG}    message: a\n") + triggers

    problem = only_problem(text)

    assert problem.path == "triggers[0].id"
    assert problem.hint == "use letters, digits, '_' and '-', starting with a letter or digit"


def test_several_problems_all_reported() -> None:
    text = (
        "id: bad id\nnamespace: Company\n"
        "tasks:\n"
        "  - id: one\n    type: io.kestra.plugin.core.log.Logg\n"
        "  - id: two\n" + LOG + "    mesage: x\n"
        "  - id: three\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: never\n"
        "triggers:\n"
        "  - id: cron\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '* * *'\n"
        "  - id: other\n    type: io.kestra.plugin.core.trigger.Webhok\n    key: k\n"
    )

    problems = problems_of(text)
    paths = [problem.path for problem in problems]

    assert paths == [
        "id",
        "namespace",
        "tasks[0].type",
        "tasks[1].mesage",
        "tasks[2].duration",
        "triggers[0].cron",
        "triggers[1].type",
    ]
    assert [problem.line for problem in problems] == sorted(
        problem.line or 0 for problem in problems
    )


def test_every_problem_is_located_and_hinted() -> None:
    text = (
        "id: x\nnamespace: y\nlabels:\n  system.secret: 1\n"
        "inputs:\n  - id: n\n    type: INT\n    defaults: abc\n"
        "tasks:\n"
        "  - id: a\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n"
        "      - task:\n          id: b\n          type: io.kestra.plugin.core.log.Log\n"
        "          message: b\n"
        "        dependsOn: [c]\n"
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        "    namespace: y\n    flowId: x\n"
    )

    problems = problems_of(text)

    assert len(problems) == 4
    for problem in problems:
        assert problem.line is not None
        assert problem.column is not None
        assert problem.path
        assert problem.hint


def test_problem_format_line() -> None:
    problem = only_problem(flow_with_tasks("  - id: hello\n" + LOG + "    mesage: x\n"))

    assert problem.format("flows/a.yml") == (
        "flows/a.yml:6:5: tasks[0].mesage: unknown property 'mesage' (did you mean 'message'?)"
    )


def test_children_of_unknown_task_checked() -> None:
    tasks = (
        "  - id: group\n    type: io.kestra.plugin.core.flow.Sequentiall\n    tasks:\n"
        "      - id: child\n        type: io.kestra.plugin.core.log.Log\n        mesage: x\n"
    )

    paths = [problem.path for problem in problems_of(flow_with_tasks(tasks))]

    assert paths == ["tasks[0].type", "tasks[0].tasks[0].mesage"]


def test_invalid_flow_is_not_returned() -> None:
    document = parse_one(flow_with_tasks("  - id: hello\n" + LOG))

    assert document.flow is None
    assert not document.valid


def test_yaml_syntax_error_located() -> None:
    problem = only_problem("id: a\nnamespace: b\ntasks: [\n")

    assert problem.message.startswith("invalid YAML")
    assert problem.line is not None
