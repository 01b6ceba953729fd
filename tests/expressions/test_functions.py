"""Functions: range, fromJson, yaml, render, max/min, uuid, randomInt, services, printContext."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from lanner.expressions import ExpressionError, ServiceUnavailable, render, render_typed

CONTEXT: dict[str, Any] = {
    "flow": {"namespace": "company.team", "id": "demo"},
    "vars": {
        "greeting": "hello {{ inputs.name }}",
        "nested": "{{ vars.greeting }}!",
        "looping": "{{ render(vars.looping) }}",
        "number": 5,
    },
    "inputs": {"name": "ann", "doc": '{"foo": [666, 1, 2]}'},
    "trigger": None,
    "execution": {"startDate": "2024-01-31T10:00:00Z"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ range(1, 3) }}", [1, 2, 3]),
        ("{{ range(0, 6, 2) }}", [0, 2, 4, 6]),
        ("{{ range(3, 1, -1) }}", [3, 2, 1]),
        ("{{ range(5, 1) }}", []),
        ("{{ range('a', 'c') }}", ["a", "b", "c"]),
        ("{{ fromJson('[1, 2, 3]')[0] }}", 1),
        ("{{ fromJson(inputs.doc).foo[0] }}", 666),
        ("{{ json('{\"a\": true}').a }}", True),
        ("{{ fromJson(null) }}", None),
        ("{{ yaml('foo: [666, 1, 2]').foo[0] }}", 666),
        ("{{ fromYaml('a: b') }}", {"a": "b"}),
        ("{{ max(20, 80, 50) }}", 80),
        ("{{ min(20, 80, 50) }}", 20),
        ("{{ max([3, 9, 1]) }}", 9),
        ("{{ max(1, null, 2.5) }}", 2.5),
        ("{{ min('b', 'a') }}", "a"),
        ("{{ render(vars.greeting) }}", "hello ann"),
        ("{{ render(vars.nested) }}", "hello ann!"),
        ("{{ renderOnce(vars.nested) }}", "hello {{ inputs.name }}!"),
        ("{{ render(vars.nested, recursive=false) }}", "hello {{ inputs.name }}!"),
        ("{{ render(vars.number) }}", 5),
        (
            "{{ render('{{ trigger.date ?? execution.startDate | date(\"yyyy-MM-dd\") }}') }}",
            "2024-01-31",
        ),
    ],
)
def test_functions(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


def test_render_sees_variables_set_in_template() -> None:
    assert render("{% set local = 'L' %}{{ render('{{ local }}') }}", CONTEXT) == "L"


def test_uuid_is_a_new_uuid_each_time() -> None:
    first = render("{{ uuid() }}", {})
    second = render("{{ uuid() }}", {})
    assert uuid.UUID(first).version == 4
    assert first != second


def test_random_int_stays_in_range() -> None:
    values = {render_typed("{{ randomInt(1, 4) }}", {}) for _ in range(200)}
    assert values == {1, 2, 3}
    assert render_typed("{{ randomInt(5, 5) }}", {}) == 5


def test_print_context_is_json_of_variables() -> None:
    text = render("{{ printContext() }}", {"inputs": {"a": 1}, "flow": {"id": "f"}})
    assert json.loads(text) == {"inputs": {"a": 1}, "flow": {"id": "f"}}


def test_services_are_used(services: Any) -> None:
    assert render_typed("{{ kv('answer') }}", CONTEXT, services) == 42
    assert render("{{ kv('answer', 'company.team') }}", CONTEXT, services) == "42"
    assert render_typed("{{ kv('nope', errorOnMissing=false) }}", CONTEXT, services) is None
    assert render("{{ secret('API_KEY') }}", CONTEXT, services) == "s3cr3t"
    assert render("{{ read('data/notes.txt') }}", CONTEXT, services) == "hello from a file"
    assert services.calls == [
        ("kv", ("answer", None, True)),
        ("kv", ("answer", "company.team", True)),
        ("kv", ("nope", None, False)),
        ("secret", ("API_KEY",)),
        ("read", ("data/notes.txt", None)),
    ]


def test_services_reach_nested_render(services: Any) -> None:
    context = {"vars": {"token": "{{ secret('API_KEY') }}"}}
    assert render("{{ render(vars.token) }}", context, services) == "s3cr3t"


def test_service_error_names_expression(services: Any) -> None:
    with pytest.raises(
        ExpressionError, match=r"does not exist.*in expression \"\{\{ kv\('nope'\) \}\}\""
    ):
        render("{{ kv('nope') }}", CONTEXT, services)


@pytest.mark.parametrize(
    ("template", "function"),
    [("{{ kv('k') }}", "kv"), ("{{ secret('s') }}", "secret"), ("{{ read('p') }}", "read")],
)
def test_services_unavailable_by_default(template: str, function: str) -> None:
    with pytest.raises(ServiceUnavailable, match=f"{function}\\(.*is not available here"):
        render(template, CONTEXT)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ range(1, 3, 0) }}", "non-zero"),
        ("{{ range(1, 10000000) }}", "more than the limit"),
        ("{{ range('a', 3) }}", "two numbers or two single characters"),
        ("{{ fromJson('{bad') }}", "fromJson could not parse"),
        ("{{ yaml('a: [') }}", "fromYaml could not parse"),
        ("{{ randomInt(5, 1) }}", "less than the lower bound"),
        ("{{ randomInt(1.5, 3) }}", "whole numbers"),
        ("{{ render(vars.looping) }}", "levels deep"),
        ("{{ max(1, 'a') }}", "cannot compare"),
    ],
)
def test_function_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)
