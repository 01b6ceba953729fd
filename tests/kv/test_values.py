"""Typed KV values: reading text, converting to a type, and the stored document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lanner.kv import InvalidKvValue, KvType
from lanner.kv.values import convert, decode, encode, from_text, json_form, type_of

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "kv_type", "value"),
    [
        ("42", KvType.NUMBER, 42),
        ("-3.5", KvType.NUMBER, -3.5),
        ("true", KvType.BOOLEAN, True),
        ('"quoted"', KvType.STRING, "quoted"),
        ('{"a": [1, 2]}', KvType.JSON, {"a": [1, 2]}),
        ("[1, 2]", KvType.JSON, [1, 2]),
        ("2024-03-07", KvType.DATE, dt.date(2024, 3, 7)),
        ("2024-03-07T07:42:00Z", KvType.DATETIME, dt.datetime(2024, 3, 7, 7, 42, tzinfo=UTC)),
        ("2024-03-07T09:42:00+02:00", KvType.DATETIME, dt.datetime(2024, 3, 7, 7, 42, tzinfo=UTC)),
        ("PT5M", KvType.DURATION, dt.timedelta(minutes=5)),
        ("P1DT2H", KvType.DURATION, dt.timedelta(days=1, hours=2)),
        ("hello world", KvType.STRING, "hello world"),
        ("2024-13-45", KvType.STRING, "2024-13-45"),
        ("PTX", KvType.STRING, "PTX"),
    ],
)
def test_from_text(text: str, kv_type: KvType, value: Any) -> None:
    assert from_text(text) == (kv_type, value)


@pytest.mark.parametrize(
    ("value", "kv_type", "expected"),
    [
        ("3.5", KvType.NUMBER, 3.5),
        ("TRUE", KvType.BOOLEAN, True),
        ("2024-03-07T07:42:00", KvType.DATETIME, dt.datetime(2024, 3, 7, 7, 42, tzinfo=UTC)),
        ("2024-03-07T23:00:00-02:00", KvType.DATE, dt.date(2024, 3, 8)),
        ("2024-03-07", KvType.DATE, dt.date(2024, 3, 7)),
        ("PT1H30M", KvType.DURATION, dt.timedelta(hours=1, minutes=30)),
        ('{"a": 1}', KvType.JSON, {"a": 1}),
        ('"text"', KvType.JSON, "text"),
        (12, KvType.STRING, "12"),
        ({"a": 1}, KvType.STRING, '{"a":1}'),
        (7, KvType.NUMBER, 7),
        ({"a": 1}, KvType.JSON, {"a": 1}),
        (dt.datetime(2024, 3, 7, 23, tzinfo=UTC), KvType.DATE, dt.date(2024, 3, 7)),
    ],
)
def test_convert(value: Any, kv_type: KvType, expected: Any) -> None:
    assert convert(value, kv_type, "k") == expected


@pytest.mark.parametrize(
    ("value", "kv_type", "message"),
    [
        ("forty", KvType.NUMBER, "invalid NUMBER value 'forty' for key 'k'"),
        ("true", KvType.NUMBER, "expected a number"),
        ("yes", KvType.BOOLEAN, "expected true or false"),
        ("yesterday", KvType.DATETIME, "expected an ISO-8601 datetime"),
        ("2024-3-7", KvType.DATE, "expected an ISO-8601 date"),
        ("5 minutes", KvType.DURATION, "invalid duration"),
        ("{oops", KvType.JSON, "invalid JSON value"),
        (True, KvType.NUMBER, "got a BOOLEAN value"),
    ],
)
def test_convert_invalid(value: Any, kv_type: KvType, message: str) -> None:
    with pytest.raises(InvalidKvValue, match=message):
        convert(value, kv_type, "k")


@pytest.mark.parametrize(
    "value",
    [
        "text",
        42,
        2.5,
        False,
        dt.datetime(2024, 3, 7, 7, 42, 1, 500, tzinfo=UTC),
        dt.date(2024, 3, 7),
        dt.timedelta(minutes=90),
        {"nested": [1, {"b": None}]},
        [1, "two"],
    ],
)
def test_document_round_trip(value: Any) -> None:
    kv_type = type_of(value)

    document = encode(value, kv_type)

    assert document["type"] == kv_type.value
    assert decode(document) == (kv_type, value)


def test_json_form() -> None:
    assert json_form(dt.datetime(2024, 3, 7, 7, 42, tzinfo=UTC)) == "2024-03-07T07:42:00Z"
    assert json_form(dt.date(2024, 3, 7)) == "2024-03-07"
    assert json_form(dt.timedelta(minutes=5)) == "PT5M"
    assert json_form({"when": dt.date(2024, 3, 7)}) == {"when": "2024-03-07"}


def test_decode_without_envelope() -> None:
    assert decode([1, 2]) == (KvType.JSON, [1, 2])
