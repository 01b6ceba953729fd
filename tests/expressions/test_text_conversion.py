"""Values become text the way Kestra writes them: JSON for containers, Java number forms."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lanner.expressions import render, to_text
from lanner.expressions.text import java_double_text, to_json_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-5, "-5"),
        (2**70, "1180591620717411303424"),
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e7, "1.0E7"),
        (1.5e-5, "1.5E-5"),
        (123456789.0, "1.23456789E8"),
        (0.001, "0.001"),
        (9999999.0, "9999999.0"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
        (Decimal("1.50"), "1.50"),
        ("text", "text"),
        ({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'),
        ([], "[]"),
        ({}, "{}"),
        ([True, None, 1.0, "x"], '[true,null,1.0,"x"]'),
        ({"é": "ü ✓"}, '{"é":"ü ✓"}'),
        ({"q": 'say "hi"\\'}, '{"q":"say \\"hi\\"\\\\"}'),
        (["line1\nline2\ttab\r\b\f"], '["line1\\nline2\\ttab\\r\\b\\f"]'),
        (["\x00\x1f"], '["\\u0000\\u001f"]'),
        (["a/b"], '["a/b"]'),
        ((1, 2), "[1,2]"),
        ({1: "int key"}, '{"1":"int key"}'),
        ([{"nested": {"deep": [1, {"x": None}]}}], '[{"nested":{"deep":[1,{"x":null}]}}]'),
        (dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC), "2024-03-07T07:42:00Z"),
        (dt.datetime(2024, 3, 7, 7, 42, 0, 120000, tzinfo=dt.UTC), "2024-03-07T07:42:00.120Z"),
        (dt.datetime(2024, 3, 7, 7, 42, 0, 123456, tzinfo=dt.UTC), "2024-03-07T07:42:00.123456Z"),
        (
            dt.datetime(2024, 3, 7, 8, 42, tzinfo=ZoneInfo("Europe/Paris")),
            "2024-03-07T08:42:00+01:00",
        ),
        (dt.datetime(2024, 3, 7, 8, 42), "2024-03-07T08:42:00"),
        (dt.date(2024, 3, 7), "2024-03-07"),
        (dt.timedelta(minutes=90), "PT1H30M"),
        ([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], '["2024-01-01T00:00:00Z"]'),
    ],
)
def test_to_text(value: Any, expected: str) -> None:
    assert to_text(value) == expected


def test_interpolation_never_uses_python_repr() -> None:
    context = {"value": {"flag": True, "none": None, "quote": "it's", "list": [False]}}
    text = render("{{ value }}", context)
    assert text == '{"flag":true,"none":null,"quote":"it\'s","list":[false]}'
    for python_only in ("True", "False", "None", "{'"):
        assert python_only not in text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ value | upper }}", '{"K":[1,TRUE]}'),
        ("{{ value | replace({'k': 'key'}) }}", '{"key":[1,true]}'),
        ("{{ value | trim }}", '{"k":[1,true]}'),
        ("{{ value | split(',') }}", '["{\\"k\\":[1","true]}"]'),
        ("{{ value | escapeChar('double') }}", '{\\"k\\":[1,true]}'),
        ("{{ value | length }}", "1"),
        ("{{ 'v: ' ~ value }}", 'v: {"k":[1,true]}'),
        ("{{ flag | upper }}", "TRUE"),
        ("{{ number | string }}", "1.0"),
    ],
)
def test_text_filters_receive_json_text(template: str, expected: str) -> None:
    context = {"value": {"k": [1, True]}, "flag": True, "number": 1.0}
    assert render(template, context) == expected


@pytest.mark.parametrize("value", [1.0, 1e-300, 5e-324, 1.7976931348623157e308, 123.456, -2.5e-7])
def test_java_double_text_reads_back_exactly(value: float) -> None:
    assert float(java_double_text(value)) == value


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_text_round_trips_through_from_json(value: Any) -> None:
    text = render("{{ value | toJson }}", {"value": value})
    assert json.loads(text) == value
    parsed = render("{{ fromJson(text) | toJson }}", {"text": text})
    assert parsed == text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(json_values, max_size=4)
    | st.dictionaries(st.text(max_size=8), json_values, max_size=4)
)
def test_interpolated_containers_are_json(value: Any) -> None:
    text = render("{{ value }}", {"value": value})
    assert json.loads(text) == value
    assert to_json_text(value) == text
