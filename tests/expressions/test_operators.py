"""Semantics of each operator: arithmetic, comparison, logic, text, lists and coalescing."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import render, render_typed

CONTEXT: dict[str, Any] = {
    "n": 7,
    "x": 2.5,
    "text": "abc",
    "items": [1, 2, 3],
    "mapping": {"k": "v"},
    "nothing": None,
    "empty": "",
    "zero": 0,
    "flag": True,
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 7 + 2 }}", 9),
        ("{{ 7 - 9 }}", -2),
        ("{{ 7 * 3 }}", 21),
        ("{{ 7 / 2 }}", 3),
        ("{{ -7 / 2 }}", -3),
        ("{{ 7 / 2.0 }}", 3.5),
        ("{{ 7 % 3 }}", 1),
        ("{{ -7 % 3 }}", -1),
        ("{{ 7.5 % 2 }}", 1.5),
        ("{{ n * x }}", 17.5),
        ("{{ 1.0 / 0 }}", float("inf")),
        ("{{ -n }}", -7),
        ("{{ +n }}", 7),
        ("{{ 'a' + 1 }}", "a1"),
        ("{{ 1 + 'a' }}", "1a"),
        ("{{ items + 4 }}", [1, 2, 3, 4]),
        ("{{ items + [4, 5] }}", [1, 2, 3, 4, 5]),
        ("{{ items - 2 }}", [1, 3]),
        ("{{ items - [1, 3] }}", [2]),
    ],
)
def test_arithmetic(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{{ 1 / 0 }}",
        "{{ 5 % 0 }}",
        "{{ 'a' * 2 }}",
        "{{ text - 1 }}",
        "{{ -text }}",
        "{{ nothing + 1 }}",
    ],
)
def test_arithmetic_errors(template: str) -> None:
    with pytest.raises(ExpressionError, match="expression"):
        render(template, CONTEXT)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1 == 1.0 }}", True),
        ("{{ 1 equals 1 }}", True),
        ("{{ 'a' == 'a' }}", True),
        ("{{ 'a' != 'b' }}", True),
        ("{{ nothing == null }}", True),
        ("{{ nothing == none }}", True),
        ("{{ 1 == true }}", False),
        ("{{ items == [1, 2, 3] }}", True),
        ("{{ mapping == {'k': 'v'} }}", True),
        ("{{ 2 < 3 }}", True),
        ("{{ 3 <= 3 }}", True),
        ("{{ 3 > 2.5 }}", True),
        ("{{ 2 >= 3 }}", False),
        ("{{ 'abc' < 'abd' }}", True),
        ("{{ nothing > 1 }}", False),
        ("{{ 1 < nothing }}", False),
    ],
)
def test_comparison(template: str, expected: bool) -> None:
    assert render_typed(template, CONTEXT) is expected


def test_comparing_text_with_number_fails() -> None:
    with pytest.raises(ExpressionError, match="cannot compare text with number"):
        render("{{ text > 1 }}", CONTEXT)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ true and false }}", False),
        ("{{ true or false }}", True),
        ("{{ not true }}", False),
        ("{{ TRUE and not FALSE }}", True),
        ("{{ n and text }}", True),
        ("{{ zero or empty }}", False),
        ("{{ nothing or flag }}", True),
        ("{{ 'false' and true }}", True),
        ("{{ items and mapping }}", True),
    ],
)
def test_logic_returns_booleans(template: str, expected: bool) -> None:
    assert render_typed(template, CONTEXT) is expected


def test_logic_short_circuits() -> None:
    assert render("{{ false and missing }}", CONTEXT) == "false"
    assert render("{{ true or missing }}", CONTEXT) == "true"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ items contains 2 }}", True),
        ("{{ items contains 9 }}", False),
        ("{{ items contains [1, 3] }}", True),
        ("{{ items contains [1, 9] }}", False),
        ("{{ mapping contains 'k' }}", True),
        ("{{ mapping contains 'v' }}", False),
        ("{{ 'abc' contains 'b' }}", True),
        ("{{ text contains 'z' }}", False),
        ("{{ nothing contains 'a' }}", False),
        ("{{ not (items contains 9) }}", True),
    ],
)
def test_contains(template: str, expected: bool) -> None:
    assert render_typed(template, CONTEXT) is expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'a' ~ 'b' ~ 'c' }}", "abc"),
        ("{{ 'n=' ~ n }}", "n=7"),
        ("{{ 'x=' ~ x }}", "x=2.5"),
        ("{{ 'v=' ~ nothing }}", "v="),
        ("{{ 'l=' ~ items }}", "l=[1,2,3]"),
        ("{{ 'm=' ~ mapping }}", 'm={"k":"v"}'),
        ("{{ 'b=' ~ flag }}", "b=true"),
    ],
)
def test_concatenation_uses_text_forms(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1..3 }}", [1, 2, 3]),
        ("{{ 3..1 }}", []),
        ("{{ 0..0 }}", [0]),
        ("{{ 'a'..'c' }}", ["a", "b", "c"]),
        ("{{ n..9 }}", [7, 8, 9]),
    ],
)
def test_range_operator(template: str, expected: list[Any]) -> None:
    assert render_typed(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ flag ? 'yes' : 'no' }}", "yes"),
        ("{{ nothing == null ? 'null' : 'set' }}", "null"),
        ("{{ empty ? 'filled' : 'blank' }}", "blank"),
        ("{{ 'false' ? 'text' : 'no' }}", "text"),
        ("{{ zero ? 'yes' : 'no' }}", "no"),
    ],
)
def test_ternary(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_ternary_evaluates_only_the_chosen_branch() -> None:
    assert render("{{ true ? 'ok' : missing }}", CONTEXT) == "ok"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ nothing ?? 'fallback' }}", "fallback"),
        ("{{ missing ?? 'fallback' }}", "fallback"),
        ("{{ missing.deep.path ?? 'fallback' }}", "fallback"),
        ("{{ mapping.absent ?? 'fallback' }}", "fallback"),
        ("{{ mapping[missing] ?? 'fallback' }}", "fallback"),
        ("{{ items[10] ?? 'fallback' }}", "fallback"),
        ("{{ empty ?? 'fallback' }}", ""),
        ("{{ zero ?? 'fallback' }}", "0"),
        ("{{ text ?? 'fallback' }}", "abc"),
        ("{{ missing | upper ?? 'fallback' }}", "fallback"),
        ("{{ nothing ??? 'fallback' }}", ""),
        ("{{ missing ??? 'fallback' }}", "fallback"),
        ("{{ mapping.k ??? 'fallback' }}", "v"),
    ],
)
def test_coalescing(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_coalescing_skips_unused_right_side(services: Any) -> None:
    assert render("{{ text ?? secret('API_KEY') }}", CONTEXT, services) == "abc"
    assert services.calls == []


def test_coalescing_all_undefined_names_last_variable() -> None:
    with pytest.raises(ExpressionError, match="'raise'"):
        render("{{ foo ?? bar ?? raise }}", CONTEXT)


def test_null_keeps_type_in_typed_render() -> None:
    assert render_typed("{{ nothing ??? 'x' }}", CONTEXT) is None
    assert render_typed("{{ null }}", CONTEXT) is None
    assert render_typed("{{ NULL }}", CONTEXT) is None
    assert render_typed("{{ none }}", CONTEXT) is None
