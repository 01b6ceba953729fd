"""Coercion of supplied values to typed JSON values, edge cases first, and of flow outputs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from lanner.flows.inputs import CoercionError, InvalidOutputValue, coerce_output
from lanner.flows.inputs.coercion import TEXT_TYPES, coerce_value

ACCEPTED: list[tuple[str, Any, Any]] = [
    ("STRING", "hello", "hello"),
    ("STRING", "", ""),
    ("STRING", 42, "42"),
    ("STRING", True, "true"),
    ("INT", "42", 42),
    ("INT", "+5", 5),
    ("INT", "-7", -7),
    ("INT", 42, 42),
    ("INT", 2**31 - 1, 2**31 - 1),
    ("FLOAT", "1.5", 1.5),
    ("FLOAT", "1", 1.0),
    ("FLOAT", "-.5e2", -50.0),
    ("FLOAT", 2, 2.0),
    ("BOOLEAN", "true", True),
    ("BOOLEAN", "FALSE", False),
    ("BOOL", False, False),
    ("DATETIME", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
    ("DATETIME", "2024-01-31T12:00:00+02:00", "2024-01-31T10:00:00Z"),
    ("DATETIME", "2024-01-31T10:00:00.5Z", "2024-01-31T10:00:00.500Z"),
    ("DATETIME", "2024-01-31T10:00:00.123456789Z", "2024-01-31T10:00:00.123456Z"),
    ("DATETIME", "2024-01-31T10:00Z", "2024-01-31T10:00:00Z"),
    ("DATETIME", datetime(2024, 1, 31, 10, tzinfo=UTC), "2024-01-31T10:00:00Z"),
    ("DATE", "2024-01-31", "2024-01-31"),
    ("DATE", date(2024, 1, 31), "2024-01-31"),
    ("TIME", "10:15:30", "10:15:30"),
    ("TIME", "10:15", "10:15:00"),
    ("TIME", "10:15:30.25", "10:15:30.250"),
    ("TIME", time(8, 0), "08:00:00"),
    ("DURATION", "PT5M", "PT5M"),
    ("DURATION", "PT5M6S", "PT5M6S"),
    ("DURATION", "P1D", "PT24H"),
    ("DURATION", "PT0.5S", "PT0.5S"),
    ("DURATION", timedelta(minutes=90), "PT1H30M"),
    ("JSON", '{"a": [1, 2]}', {"a": [1, 2]}),
    ("JSON", "[1, 2]", [1, 2]),
    ("JSON", {"a": 1}, {"a": 1}),
    ("JSON", 5, 5),
    ("YAML", "user: john\nsince: 2024-01-01\n", {"user": "john", "since": "2024-01-01"}),
    ("YAML", [{"user": "will"}], [{"user": "will"}]),
    ("URI", "https://example.com/a.csv?x=1", "https://example.com/a.csv?x=1"),
    ("URI", "http://localhost:8080", "http://localhost:8080"),
    ("URI", "kestra:///ns/flow/file.txt", "kestra:///ns/flow/file.txt"),
    ("EMAIL", "john.doe+tag@example.co.uk", "john.doe+tag@example.co.uk"),
    ("EMAIL", "", ""),
    ("SELECT", "red", "red"),
    ("SECRET", "s3cret", "s3cret"),
]


@pytest.mark.parametrize(("type_name", "value", "expected"), ACCEPTED, ids=lambda x: repr(x)[:30])
def test_value_is_coerced(type_name: str, value: Any, expected: Any) -> None:
    coerced = coerce_value(type_name, value)

    assert coerced == expected
    assert type(coerced) is type(expected)


def test_coerced_values_are_json_serialisable() -> None:
    for type_name, value, _ in ACCEPTED:
        json.dumps(coerce_value(type_name, value))


REJECTED: list[tuple[str, Any, str]] = [
    ("INT", "1.0", "is not an integer: expected a whole number such as 42"),
    ("INT", 1.0, "is not an integer"),
    ("INT", " 5", "is not an integer"),
    ("INT", "1_000", "is not an integer"),
    ("INT", True, "is a boolean, not an integer"),
    ("INT", 2**31, "outside the INT range"),
    ("INT", "-2147483649", "outside the INT range"),
    ("FLOAT", "NaN", "is not a number"),
    ("FLOAT", float("inf"), "is not a finite number"),
    ("FLOAT", "1,5", "is not a number"),
    ("FLOAT", False, "is a boolean, not a number"),
    ("BOOLEAN", "yes", "is not a boolean: expected true or false"),
    ("BOOLEAN", "1", "is not a boolean"),
    ("BOOLEAN", 1, "is not a boolean"),
    ("BOOL", "on", "is not a boolean"),
    ("DATETIME", "2024-01-31T10:00:00", "it has no offset, so the moment it names is unknown"),
    ("DATETIME", datetime(2024, 1, 31, 10), "it has no offset"),
    ("DATETIME", "2024-01-31", "is an invalid date-time"),
    ("DATETIME", "2024-01-31 10:00:00Z", "is an invalid date-time"),
    ("DATETIME", "2024-13-45T99:00:00Z", "is an invalid date-time"),
    ("DATE", "2024-01-31T10:00:00Z", "a DATE takes only the date part, such as '2024-01-31'"),
    ("DATE", datetime(2024, 1, 31, tzinfo=UTC), "is a date-time, not a date"),
    ("DATE", "31/01/2024", "is an invalid date"),
    ("TIME", "10:15:30+02:00", "is an invalid time"),
    ("TIME", "24:00", "is an invalid time"),
    ("TIME", "10", "is an invalid time"),
    ("DURATION", "5m", "is an invalid duration: expected an ISO-8601 duration"),
    ("DURATION", "P1M", "is an invalid duration"),
    ("DURATION", 300, "is not ISO-8601 text"),
    ("JSON", "{'a': 1}", "is not valid JSON"),
    ("JSON", "NaN", "is not valid JSON"),
    ("JSON", {1: "a"}, "mapping keys must be text"),
    ("YAML", "a: [1", "is not valid YAML"),
    ("YAML", "!!set {a}", "contains a set"),
    ("URI", "example.com/path", "is not a valid URI"),
    ("URI", "https://exa mple.com", "is not a valid URI"),
    ("EMAIL", "john@", "is not a valid email address"),
    ("EMAIL", "john@example..com", "is not a valid email address"),
    ("STRING", {"a": 1}, "is a mapping, not text"),
    ("ARRAY", "1, 2", "is not a JSON list"),
    ("ARRAY", '{"a": 1}', "is a mapping, not a list"),
    ("FILE", "https://example.com/a.csv", "is not a file reference"),
    ("NUMBER", "1", "has the unknown type 'NUMBER'"),
]


@pytest.mark.parametrize(("type_name", "value", "reason"), REJECTED, ids=lambda x: repr(x)[:30])
def test_value_is_rejected(type_name: str, value: Any, reason: str) -> None:
    with pytest.raises(CoercionError) as raised:
        coerce_value(type_name, value)
    assert reason in str(raised.value)


NON_TEXT_TYPES = [
    "INT",
    "FLOAT",
    "BOOLEAN",
    "BOOL",
    "DATETIME",
    "DATE",
    "TIME",
    "DURATION",
    "JSON",
    "YAML",
    "URI",
    "ARRAY",
    "MULTISELECT",
    "FILE",
]


@pytest.mark.parametrize("type_name", NON_TEXT_TYPES)
def test_empty_text_is_rejected_for_non_text_types(type_name: str) -> None:
    with pytest.raises(CoercionError) as raised:
        coerce_value(type_name, "")
    assert str(raised.value).startswith("is empty: expected ")
    assert "Leave the input out to use its default" in str(raised.value)


@pytest.mark.parametrize("type_name", sorted(TEXT_TYPES))
def test_empty_text_is_kept_for_text_types(type_name: str) -> None:
    assert coerce_value(type_name, "") == ""


@pytest.mark.parametrize("type_name", [*NON_TEXT_TYPES, *sorted(TEXT_TYPES)])
def test_null_is_never_coerced(type_name: str) -> None:
    with pytest.raises(CoercionError) as raised:
        coerce_value(type_name, None)
    assert str(raised.value).startswith("is null")


LISTS: list[tuple[Any, str | None, list[Any]]] = [
    ([1, 2], "INT", [1, 2]),
    ('["1", "2"]', "INT", [1, 2]),
    ("[]", "INT", []),
    (["2024-01-31T12:00:00+02:00"], "DATETIME", ["2024-01-31T10:00:00Z"]),
    (["PT1M", "P1D"], "DURATION", ["PT1M", "PT24H"]),
    ('[{"a": 1}, 2]', None, [{"a": 1}, 2]),
]


@pytest.mark.parametrize(("value", "item_type", "expected"), LISTS, ids=lambda x: repr(x)[:30])
def test_list_items_are_coerced(value: Any, item_type: str | None, expected: list[Any]) -> None:
    assert coerce_value("ARRAY", value, item_type) == expected


def test_invalid_list_item_is_named_by_index() -> None:
    with pytest.raises(CoercionError) as raised:
        coerce_value("ARRAY", [1, "two", 3], "INT")
    assert str(raised.value).startswith("has an invalid item at index 1: 'two' is not an integer")


def test_null_list_item_is_rejected() -> None:
    with pytest.raises(CoercionError) as raised:
        coerce_value("ARRAY", [1, None], "INT")
    assert "index 1: None is null" in str(raised.value)


OUTPUTS: list[tuple[str, Any, Any]] = [
    ("INT", "5", 5),
    ("FLOAT", "2.5", 2.5),
    ("BOOLEAN", "true", True),
    ("DATETIME", "2024-01-31T12:00:00+02:00", "2024-01-31T10:00:00Z"),
    ("JSON", '{"ok": true}', {"ok": True}),
    ("ARRAY", '[1, "a"]', [1, "a"]),
    ("FILE", "kestra:///ns/flow/executions/e1/out.csv", "kestra:///ns/flow/executions/e1/out.csv"),
    ("SECRET", "plain", "plain"),
    ("STRING", None, None),
]


@pytest.mark.parametrize(("type_name", "value", "expected"), OUTPUTS, ids=lambda x: repr(x)[:30])
def test_output_is_coerced(type_name: str, value: Any, expected: Any) -> None:
    assert coerce_output(type_name, value, "result") == expected


def test_invalid_output_names_the_output() -> None:
    with pytest.raises(InvalidOutputValue) as raised:
        coerce_output("INT", "many", "count")
    assert str(raised.value) == (
        "output 'count': value 'many' is not an integer: expected a whole number such as 42"
    )


def test_invalid_secret_output_hides_the_value() -> None:
    with pytest.raises(InvalidOutputValue) as raised:
        coerce_output("SECRET", ["token"], "key")
    assert "token" not in str(raised.value)
    assert "<hidden>" in str(raised.value)
