"""The public entry points: render, render_typed, render_value, is_dynamic, is_truthy."""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest

from lanner.expressions import (
    ExpressionError,
    ExpressionSyntaxError,
    UndefinedVariable,
    is_dynamic,
    is_truthy,
    render,
    render_typed,
    render_value,
)
from lanner.expressions.rendering import TEMPLATE_CACHE_SIZE, _compile_template

CONTEXT: dict[str, Any] = {
    "inputs": {"n": 3, "ratio": 0.5, "flag": False, "name": "x", "nothing": None},
    "outputs": {"x": {"values": {"list": [1, 2], "map": {"a": 1}}}},
    "taskrun": {"value": "item-1"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", False),
        ("{ not an expression }", False),
        ("{{ x }}", True),
        ("a {% if x %}b{% endif %}", True),
        ("{# note #}", True),
        ('json {"a": {"b": 1}}', False),
        ("", False),
    ],
)
def test_is_dynamic(text: str, expected: bool) -> None:
    assert is_dynamic(text) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (False, False),
        (True, True),
        (0, False),
        # Kestra compares the rendered text exactly: 0.0 is the text "0.0", which is true.
        (-0.0, True),
        (0.0, True),
        (Decimal(0), False),
        (1, True),
        (-1, True),
        ("", False),
        ("   ", True),
        ("false", False),
        (" false ", True),
        ("0", False),
        ("-0", False),
        ("\t0\n", True),
        ("False", True),
        ("FALSE", True),
        ("0.0", True),
        ("no", True),
        ("true", True),
        ("x", True),
        ([], True),
        ({}, True),
        ([0], True),
    ],
)
def test_is_truthy(value: Any, expected: bool) -> None:
    assert is_truthy(value) is expected


def test_is_truthy_rejects_undefined() -> None:
    from lanner.expressions.undefined import PebbleUndefined

    with pytest.raises(UndefinedVariable, match="undefined variable 'x'"):
        is_truthy(PebbleUndefined(name="x"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ inputs.n }}", 3),
        ("  {{ inputs.n }}\n", 3),
        ("{{- inputs.n -}}", 3),
        ("{{ inputs.ratio }}", 0.5),
        ("{{ inputs.flag }}", False),
        ("{{ inputs.nothing }}", None),
        ("{{ outputs.x.values.list }}", [1, 2]),
        ("{{ outputs.x.values.map }}", {"a": 1}),
        ("{{ range(1, 3) }}", [1, 2, 3]),
        ("{{ inputs.n + 1 }}", 4),
        ("{{ '{\"a\": 1}' }}", '{"a": 1}'),
        ("{{ '}}' }}", "}}"),
        ("{{ inputs.n }} items", "3 items"),
        ("{{ inputs.n }}{{ inputs.n }}", "33"),
        ("{{ inputs.n }} {# c #}", "3 "),
        ("{% if true %}{{ inputs.n }}{% endif %}", "3"),
        ("plain text", "plain text"),
        (42, 42),
        (None, None),
        (True, True),
        (
            {"{{ taskrun.value }}": "{{ inputs.n }}", "k": ["{{ inputs.flag }}", 7]},
            {"item-1": 3, "k": [False, 7]},
        ),
    ],
)
def test_render_typed(value: Any, expected: Any) -> None:
    result = render_typed(value, CONTEXT)
    assert result == expected
    assert type(result) is type(expected)


def test_render_typed_reports_undefined() -> None:
    with pytest.raises(ExpressionError, match=r"undefined variable 'inputs\.absent'"):
        render_typed("{{ inputs.absent }}", CONTEXT)


def test_render_typed_reports_syntax_error() -> None:
    with pytest.raises(ExpressionSyntaxError, match="invalid expression"):
        render_typed("{{ inputs.n + }}", CONTEXT)


def test_render_value_renders_text_leaves_and_keys() -> None:
    value = {
        "{{ taskrun.value }}": ["{{ inputs.n }}", 5, None, {"deep": "{{ outputs.x.values.list }}"}],
        "date": dt.date(2024, 1, 1),
        7: "{{ inputs.flag }}",
    }
    assert render_value(value, CONTEXT) == {
        "item-1": ["3", 5, None, {"deep": "[1,2]"}],
        "date": dt.date(2024, 1, 1),
        7: "false",
    }


def test_render_accepts_any_mapping_as_context() -> None:
    context = OrderedDict(inputs={"n": 1})
    assert render("{{ inputs.n }}", context) == "1"


def test_plain_text_is_returned_without_compiling() -> None:
    text = "no expressions here " * 10
    assert render(text, {}) is text


def test_error_message_shortens_long_templates() -> None:
    template = "{{ missing }}" + "x" * 500
    with pytest.raises(ExpressionError) as caught:
        render(template, {})
    assert len(str(caught.value)) < 400


def test_compiled_templates_are_cached() -> None:
    _compile_template.cache_clear()
    render("{{ taskrun.value }}", CONTEXT)
    render("{{ taskrun.value }}", CONTEXT)
    info = _compile_template.cache_info()
    assert info.hits >= 1
    assert info.maxsize == TEMPLATE_CACHE_SIZE


def test_rendering_short_template_takes_microseconds() -> None:
    template = "{{ taskrun.value }}"
    render(template, CONTEXT)
    count = 2000
    started = time.perf_counter()
    for _ in range(count):
        render(template, CONTEXT)
    per_render = (time.perf_counter() - started) / count
    # Measured at about 7 microseconds on a 2-core CI machine; the bound leaves room for load.
    assert per_render < 200e-6
