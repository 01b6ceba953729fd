"""Validation problems of inputs, retry policies and loop tasks, each at the property to fix."""

from __future__ import annotations

import pytest

from tests.flows.helpers import flow_with_tasks, only_problem, problems_of

TASK = "  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
CHILD = (
    "      - id: child\n        type: io.kestra.plugin.core.log.Log\n"
    "        message: '{{ taskrun.value }}'\n"
)


def with_inputs(inputs: str) -> str:
    return flow_with_tasks(TASK, extra="inputs:\n" + inputs)


def loop_task(kind: str, values: str, extra: str = "") -> str:
    field = "values" if kind == "ForEach" else "value"
    return (
        f"  - id: each\n    type: io.kestra.plugin.core.flow.{kind}\n"
        f"    {field}: {values}\n{extra}    tasks:\n{CHILD}"
    )


def test_bad_default_beside_invalid_input() -> None:
    text = with_inputs(
        "  - id: n\n    type: INT\n    defaults: 5\n    min: 10\n  - id: s\n    type: STRNG\n"
    )

    problems = problems_of(text)

    assert [problem.path for problem in problems] == ["inputs[0].defaults", "inputs[1].type"]
    assert "'n'" in problems[0].message
    assert problems[0].hint is not None
    assert problems[1].message == "unknown input type 'STRNG'"


def test_dependency_on_invalid_input_accepted() -> None:
    text = with_inputs(
        "  - id: s\n    type: STRNG\n"
        "  - id: t\n    type: STRING\n    dependsOn:\n      inputs: [s]\n"
    )

    problem = only_problem(text)

    assert problem.path == "inputs[0].type"


def test_unknown_input_type_suggests() -> None:
    text = with_inputs("  - id: a\n    type: STRING\n  - id: s\n    type: STRNG\n")

    problem = only_problem(text)

    assert problem.message == "unknown input type 'STRNG'"
    assert problem.hint == "did you mean 'STRING'?"
    assert problem.path == "inputs[1].type"
    assert (problem.line, problem.column) == (7, 11)


def test_lowercase_input_type_suggests() -> None:
    problem = only_problem(with_inputs("  - id: s\n    type: datetime\n"))

    assert problem.message == "unknown input type 'datetime'"
    assert problem.hint == "did you mean 'DATETIME'?"


def test_unknown_input_type_lists_valid() -> None:
    problem = only_problem(with_inputs("  - id: s\n    type: WIDGET\n"))

    assert problem.message == "unknown input type 'WIDGET'"
    assert problem.hint is not None
    assert problem.hint.startswith("use one of: STRING, SECRET, INT, FLOAT, BOOLEAN, BOOL, ")
    assert problem.hint.endswith(", FILE")


def test_missing_input_type_lists_valid() -> None:
    problem = only_problem(with_inputs("  - id: s\n    defaults: x\n"))

    assert problem.message == "missing required property 'type'"
    assert problem.path == "inputs[0]"
    assert problem.hint is not None
    assert problem.hint.startswith("add 'type', one of: STRING, SECRET, ")


def test_invalid_input_id_path() -> None:
    problem = only_problem(with_inputs("  - id: 'my input'\n    type: STRING\n"))

    assert problem.path == "inputs[0].id"
    assert problem.message == "invalid input id 'my input'"
    assert problem.hint is not None
    assert problem.hint.startswith("use letters, digits, '_' and '-'")
    assert (problem.line, problem.column) == (4, 9)


def test_unknown_input_property_suggests() -> None:
    problem = only_problem(with_inputs("  - id: s\n    type: STRING\n    validatr: '^a'\n"))

    assert problem.message == "unknown property 'validatr'"
    assert problem.hint == "did you mean 'validator'?"
    assert problem.path == "inputs[0].validatr"


def test_unknown_bool_input_property_listed() -> None:
    problem = only_problem(with_inputs("  - id: b\n    type: BOOL\n    min: 1\n"))

    assert problem.path == "inputs[0].min"
    assert problem.hint is not None
    assert "displayName" in problem.hint


def test_missing_input_property_named() -> None:
    problem = only_problem(with_inputs("  - id: color\n    type: ENUM\n"))

    assert problem.message == "missing required property 'values'"
    assert problem.hint == "add 'values'"
    assert problem.path == "inputs[0]"


@pytest.mark.parametrize(
    ("retry_type", "hint"),
    [
        ("linear", "use one of: constant, exponential, random"),
        ("constnat", "did you mean 'constant'?"),
        ("Exponential", "did you mean 'exponential'?"),
    ],
)
def test_unknown_task_retry_type(retry_type: str, hint: str) -> None:
    text = flow_with_tasks(TASK + f"    retry:\n      type: {retry_type}\n      interval: PT1S\n")

    problem = only_problem(text)

    assert problem.message == f"unknown retry type {retry_type!r}"
    assert problem.hint == hint
    assert problem.path == "tasks[0].retry.type"
    assert (problem.line, problem.column) == (8, 13)


def test_unknown_flow_retry_type() -> None:
    problem = only_problem(flow_with_tasks(TASK, extra="retry:\n  type: linear\n"))

    assert problem.message == "unknown retry type 'linear'"
    assert problem.path == "retry.type"


def test_missing_retry_type() -> None:
    problem = only_problem(flow_with_tasks(TASK, extra="retry:\n  interval: PT1S\n"))

    assert problem.message == "missing required property 'type'"
    assert problem.hint == "add 'type', one of: constant, exponential, random"
    assert problem.path == "retry"


def test_retry_missing_property_named() -> None:
    text = flow_with_tasks(TASK, extra="retry:\n  type: exponential\n  interval: PT1S\n")

    problem = only_problem(text)

    assert problem.message == "missing required property 'maxInterval'"
    assert problem.path == "retry"


@pytest.mark.parametrize("limit", ["-1", "'-3'"])
def test_negative_concurrency_limit(limit: str) -> None:
    text = flow_with_tasks(loop_task("ForEach", "[a, b]", f"    concurrencyLimit: {limit}\n"))

    problem = only_problem(text)

    assert problem.path == "tasks[0].concurrencyLimit"
    assert problem.message.startswith("invalid value ")
    assert problem.hint == "use a value of at least 0"
    assert problem.line == 7


@pytest.mark.parametrize("limit", ["0", "2", "'{{ inputs.limit }}'"])
def test_valid_concurrency_limit(limit: str) -> None:
    text = flow_with_tasks(loop_task("ForEach", "[a, b]", f"    concurrencyLimit: {limit}\n"))

    assert problems_of(text) == []


def test_negative_each_parallel_concurrent() -> None:
    text = flow_with_tasks(loop_task("EachParallel", "[a, b]", "    concurrent: -1\n"))

    problem = only_problem(text)

    assert problem.path == "tasks[0].concurrent"
    assert problem.hint == "use a value of at least 0"


@pytest.mark.parametrize("kind", ["ForEach", "EachSequential", "EachParallel"])
def test_null_loop_item_rejected(kind: str) -> None:
    problem = only_problem(flow_with_tasks(loop_task(kind, "[1, null]")))

    field = "values" if kind == "ForEach" else "value"
    assert problem.path == f"tasks[0].{field}[1]"
    assert problem.message == "null item at index 1"
    assert problem.hint == "remove the item or write a value in its place"
    assert problem.line == 6


def test_null_loop_items_point_at_first() -> None:
    problem = only_problem(
        flow_with_tasks(loop_task("ForEach", "\n      - a\n      - ~\n      -\n"))
    )

    assert problem.path == "tasks[0].values[1]"
    assert problem.message == "null items at indexes 1, 2"
    assert problem.hint == "remove the items or write values in their place"
    assert (problem.line, problem.column) == (8, 9)


@pytest.mark.parametrize(
    "values",
    ["[a, 1, true, {k: v}, [x]]", "['{{ inputs.item }}', b]", "'[1, 2]'", "'{{ inputs.items }}'"],
)
def test_loop_values_accepted(values: str) -> None:
    assert problems_of(flow_with_tasks(loop_task("ForEach", values))) == []
