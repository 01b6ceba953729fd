"""Serialisation and query filters (toJson, yaml, jq), numbers, encodings and hashes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from lanner.expressions import ExpressionError, render, render_typed

CONTEXT: dict[str, Any] = {
    "nothing": None,
    "outputs": {
        "task1": {"value": 1, "text": "awesome1"},
        "task2": {"value": 2, "text": "awesome2"},
    },
    "payload": {"name": "John", "score": {"English": 72, "Maths": 88}, "years": [2020, 2021]},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ [1, 2, 3] | toJson }}", "[1,2,3]"),
        ("{{ true | toJson }}", "true"),
        ("{{ 'foo' | toJson }}", '"foo"'),
        ("{{ nothing | toJson }}", "null"),
        ("{{ {'a': nothing} | toJson }}", '{"a":null}'),
        ("{{ {'a': nothing} | toJson(includeNulls=true) }}", '{"a":null}'),
        ("{{ 1.0 | json }}", "1.0"),
        ("{{ 'line\\nbreak' | toJson }}", '"line\\nbreak"'),
        ("{{ {'key': 'value'} | yaml }}", "key: value\n"),
        (
            "{{ payload | yaml }}",
            "name: John\nscore:\n  English: 72\n  Maths: 88\nyears:\n- 2020\n- 2021\n",
        ),
        ("{{ 'plain' | yaml }}", "plain\n"),
        ("{{ nothing | yaml }}", "null"),
    ],
)
def test_serialisation(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ [1, 2, 3] | jq('.') }}", [[1, 2, 3]]),
        ("{{ [1, 2, 3] | jq('.[0]') | first }}", 1),
        ("{{ outputs | jq('.task1.value') | first }}", 1),
        ("{{ outputs | jq('.[] | .text') }}", ["awesome1", "awesome2"]),
        ("{{ payload.score | values | jq('reduce .[] as $num (0; .+$num)') | first }}", 160),
        ("{{ '{\"a\": [1, 2]}' | jq('.a | length') | first }}", 2),
        ("{{ payload | jq('.missing') }}", [None]),
        ("{{ nothing | jq('.') }}", None),
    ],
)
def test_jq(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ [1] | jq('.[') }}", "invalid jq expression"),
        ("{{ 'not json' | jq('.') }}", "needs JSON text"),
        ("{{ [1] | jq('error(\"boom\")') }}", "boom"),
        ("{{ [1] | jq }}", "needs the argument 'expression'"),
    ],
)
def test_jq_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ '12' | number }}", 12),
        ("{{ '12.3' | number }}", 12.3),
        ("{{ ' -4 ' | number }}", -4),
        ("{{ '0x1F' | number }}", 31),
        ("{{ '1e3' | number }}", 1000.0),
        ("{{ '12' | number('FLOAT') }}", 12.0),
        ("{{ '12' | number('LONG') }}", 12),
        ("{{ '9223372036854775807' | number('BIGDECIMAL') }}", Decimal("9223372036854775807")),
        ("{{ '1.10' | number('BIGDECIMAL') }}", Decimal("1.10")),
        ("{{ 5 | number }}", 5),
        ("{{ nothing | number }}", None),
        ("{{ ('2' | number) + 3 }}", 5),
        ("{{ -7 | abs }}", 7),
        ("{{ -2.5 | abs }}", 2.5),
    ],
)
def test_numbers(template: str, expected: Any) -> None:
    value = render_typed(template, CONTEXT)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 3.141592653 | numberFormat('#.##') }}", "3.14"),
        ("{{ 0.5 | numberFormat('#.##') }}", ".5"),
        ("{{ 0 | numberFormat('#.##') }}", "0"),
        ("{{ 2 | numberFormat('0.00') }}", "2.00"),
        ("{{ 1234567.891 | numberFormat('#,##0.00') }}", "1,234,567.89"),
        ("{{ 1234567.891 | numberFormat }}", "1,234,567.891"),
        ("{{ 7 | numberFormat('000') }}", "007"),
        ("{{ -1234.5 | numberFormat('#,##0.0') }}", "-1,234.5"),
        ("{{ 0.256 | numberFormat('0.#%') }}", "25.6%"),
        ("{{ 0.125 | numberFormat('0.00') }}", "0.12"),
        ("{{ 0.375 | numberFormat('0.00') }}", "0.38"),
        ("{{ 12345 | numberFormat('0.###E0') }}", "1.234E4"),
        ("{{ 0.00012 | numberFormat('0.0E00') }}", "1.2E-04"),
        ("{{ 42 | numberFormat(\"'#'0\") }}", "#42"),
        ("{{ -3 | numberFormat('0;(0)') }}", "(3)"),
        ("{{ 9.996 | numberFormat('0.00E0') }}", "1.00E1"),
    ],
)
def test_number_format(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'abc' | number }}", "cannot read 'abc' as a number"),
        ("{{ '1.5' | number('INT') }}", "cannot read '1.5' as a number"),
        ("{{ '1' | number('SHORT') }}", "unknown number type 'SHORT'"),
        ("{{ 'x' | numberFormat('0') }}", "numberFormat needs a number"),
        ("{{ 1 | numberFormat('abc') }}", "invalid number format"),
        ("{{ 'x' | abs }}", "abs filter needs a number"),
    ],
)
def test_number_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'test' | base64encode }}", "dGVzdA=="),
        ("{{ 'dGVzdA==' | base64decode }}", "test"),
        ("{{ 'héllo' | base64encode | base64decode }}", "héllo"),
        (
            "{{ 'test' | sha256 }}",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        ("{{ 'test' | sha1 }}", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"),
        ("{{ 'test' | md5 }}", "098f6bcd4621d373cade4e832627b4f6"),
        (
            "{{ 'test' | sha512 }}",
            "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db2"
            "7ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff",
        ),
        ("{{ 'The string ü@foo-bar' | urlencode }}", "The+string+%C3%BC%40foo-bar"),
        ("{{ 'a*b~c.d_e' | urlencode }}", "a*b%7Ec.d_e"),
        ("{{ 'The+string+%C3%BC%40foo-bar' | urldecode }}", "The string ü@foo-bar"),
    ],
)
def test_encodings(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_invalid_base64_is_reported() -> None:
    with pytest.raises(ExpressionError, match="not Base64"):
        render("{{ '***' | base64decode }}", CONTEXT)


def test_hash_of_map_hashes_its_json_text() -> None:
    import hashlib

    text = json.dumps({"a": 1}, separators=(",", ":"))
    assert render("{{ {'a': 1} | sha256 }}", CONTEXT) == hashlib.sha256(text.encode()).hexdigest()
