"""Undefined variables: errors name the full path; `??`, `default` and tests rescue them."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import ExpressionError, UndefinedVariable, render, render_typed

CONTEXT: dict[str, Any] = {
    "outputs": {"done": {"values": {"x": 1}, "list": [1, 2]}},
    "inputs": {"end_date": None, "name": "n"},
}


@pytest.mark.parametrize(
    ("template", "path", "detail"),
    [
        (
            "{{ outputs.skipped_task.x }}",
            "outputs.skipped_task.x",
            "'outputs' has no key 'skipped_task'",
        ),
        (
            "{{ outputs.done.values.y }}",
            "outputs.done.values.y",
            "'outputs.done.values' has no key 'y'",
        ),
        ("{{ outputs['skipped'].x }}", "outputs['skipped'].x", "'outputs' has no key 'skipped'"),
        ("{{ outputs.done.list[5] }}", "outputs.done.list[5]", "index 5 is out of range"),
        ("{{ inputs.end_date.day }}", "inputs.end_date.day", "'inputs.end_date' is null"),
        ("{{ nope }}", "nope", None),
    ],
)
def test_error_names_full_path(template: str, path: str, detail: str | None) -> None:
    with pytest.raises(UndefinedVariable) as caught:
        render(template, CONTEXT)
    message = str(caught.value)
    assert f"undefined variable '{path}'" in message
    assert template in message
    assert caught.value.path == path
    if detail is not None:
        assert detail in message


@pytest.mark.parametrize(
    "template",
    [
        "{{ nope == 1 }}",
        "{{ nope > 1 }}",
        "{{ nope + 1 }}",
        "{{ nope ~ 'x' }}",
        "{{ nope | upper }}",
        "{{ nope | length }}",
        "{% for x in nope %}{% endfor %}",
        "{% if nope %}{% endif %}",
        "{{ nope ? 1 : 2 }}",
        "{{ not nope }}",
        "{{ [1] contains nope }}",
        "{{ nope is even }}",
        "{{ render(nope) }}",
    ],
)
def test_using_undefined_raises(template: str) -> None:
    with pytest.raises(UndefinedVariable, match="undefined variable 'nope'"):
        render(template, CONTEXT)


def test_undefined_variable_is_an_expression_error() -> None:
    assert issubclass(UndefinedVariable, ExpressionError)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ a.b.c ?? 'x' }}", "x"),
        ("{{ outputs.skipped.values.x ?? 'x' }}", "x"),
        ("{{ outputs.skipped | default('d') }}", "d"),
        ("{{ outputs.skipped.deep | default('d') }}", "d"),
        ("{{ outputs.skipped is defined }}", "false"),
        ("{{ outputs.skipped.deep is defined }}", "false"),
        ("{{ outputs.done is defined }}", "true"),
        ("{{ outputs.skipped is not defined }}", "true"),
        ("{{ outputs.skipped is null }}", "true"),
        ("{{ inputs.end_date is null }}", "true"),
        ("{{ inputs.name is null }}", "false"),
        ("{{ outputs.skipped is empty }}", "true"),
        ("{% if outputs.skipped is defined %}yes{% else %}no{% endif %}", "no"),
    ],
)
def test_undefined_can_be_tested_and_rescued(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_null_value_renders_as_empty_text() -> None:
    assert render("[{{ inputs.end_date }}]", CONTEXT) == "[]"
    assert render_typed("{{ inputs.end_date }}", CONTEXT) is None


def test_unknown_function_is_named() -> None:
    with pytest.raises(ExpressionError, match="unknown function 'nowz'"):
        render("{{ nowz() }}", CONTEXT)


def test_unknown_filter_is_reported_at_compile_time() -> None:
    with pytest.raises(ExpressionError, match="No filter named 'shout'"):
        render("{{ inputs.name | shout }}", CONTEXT)


def test_unknown_test_is_reported() -> None:
    with pytest.raises(ExpressionError, match="No test named 'huge'"):
        render("{{ inputs.name is huge }}", CONTEXT)
