"""The cases the executor and task authors rely on, checked exactly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lanner.expressions import render, render_typed

PAYLOAD = [{"name": 'it\'s "quoted"', "n": 1, "ok": True, "none": None, "txt": "line1\nline2"}]


def _today_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


@pytest.mark.parametrize(
    "template",
    [
        "run for {{ inputs.end_date ?? (now() | date('yyyy-MM-dd')) }}",
        "run for {{ inputs.end_date ?? now() | date('yyyy-MM-dd') }}",
    ],
)
def test_null_end_date_falls_back_to_today(template: str) -> None:
    context = {"inputs": {"end_date": None, "label": ""}}
    before = _today_utc()
    rendered = render(template, context)
    after = _today_utc()
    assert rendered in (f"run for {before}", f"run for {after}")


@pytest.mark.parametrize(
    "template",
    [
        "run for {{ inputs.end_date ?? (now() | date('yyyy-MM-dd')) }}",
        "run for {{ inputs.end_date ?? now() | date('yyyy-MM-dd') }}",
    ],
)
def test_given_end_date_is_used(template: str) -> None:
    context = {"inputs": {"end_date": "2024-01-31", "label": ""}}
    assert render(template, context) == "run for 2024-01-31"


def test_null_and_empty_label() -> None:
    context = {"inputs": {"end_date": None, "label": ""}}
    template = "end=[{{ inputs.end_date }}] label=[{{ inputs.label ?? 'none' }}]"
    assert render(template, context) == "end=[] label=[]"


def test_payload_to_json_is_valid_json() -> None:
    text = render("{{ inputs.payload | toJson }}", {"inputs": {"payload": PAYLOAD}})
    assert json.loads(text) == PAYLOAD


def test_payload_escape_char_escapes_json_text() -> None:
    context = {"inputs": {"payload": PAYLOAD}}
    json_text = render("{{ inputs.payload | toJson }}", context)
    escaped = render("{{ inputs.payload | escapeChar('single') }}", context)
    assert escaped == json_text.replace("'", "\\'")
    assert "it\\'s" in escaped


def test_payload_text_round_trips_through_from_json() -> None:
    text = render("{{ inputs.payload }}", {"inputs": {"payload": PAYLOAD}})
    name = render("{{ fromJson(x)[0].name }}", {"x": text})
    assert name == 'it\'s "quoted"'


def test_range_to_100_is_typed_list() -> None:
    value = render_typed("{{ range(1, 100) }}", {})
    assert value == list(range(1, 101))
    assert all(type(item) is int for item in value)
