"""Parsing input definitions: every Kestra type, aliases, ids and unknown properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from input_fakes import parse_inputs
from pydantic import ValidationError

from lanner.flows.inputs import (
    ArrayInput,
    BooleanInput,
    DateInput,
    DateTimeInput,
    DurationInput,
    EmailInput,
    EnumInput,
    FileInput,
    FloatInput,
    IntInput,
    JsonInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
    UriInput,
    YamlInput,
)

EVERY_TYPE: list[tuple[dict[str, Any], type]] = [
    ({"id": "s", "type": "STRING", "validator": "^a+$", "minLength": 1}, StringInput),
    ({"id": "sec", "type": "SECRET", "validator": ".*"}, SecretInput),
    ({"id": "i", "type": "INT", "min": 0, "max": 5}, IntInput),
    ({"id": "f", "type": "FLOAT", "min": 0.5, "max": 5}, FloatInput),
    ({"id": "b", "type": "BOOLEAN"}, BooleanInput),
    ({"id": "b2", "type": "BOOL"}, BooleanInput),
    (
        {
            "id": "sel",
            "type": "SELECT",
            "values": ["a", "b"],
            "allowCustomValue": True,
            "autoSelectFirst": True,
        },
        SelectInput,
    ),
    ({"id": "sel2", "type": "SELECT", "expression": "{{ kv('x') }}"}, SelectInput),
    ({"id": "m", "type": "MULTISELECT", "values": ["a"], "itemType": "STRING"}, MultiselectInput),
    ({"id": "m2", "type": "MULTISELECT", "options": ["a"], "allowInput": True}, MultiselectInput),
    ({"id": "e", "type": "ENUM", "values": ["X", "Y"]}, EnumInput),
    ({"id": "dt", "type": "DATETIME", "after": "2024-01-01T00:00:00Z"}, DateTimeInput),
    ({"id": "d", "type": "DATE", "before": "2024-12-31"}, DateInput),
    ({"id": "t", "type": "TIME", "after": "08:00"}, TimeInput),
    ({"id": "du", "type": "DURATION", "min": "PT1M", "max": "PT1H"}, DurationInput),
    ({"id": "j", "type": "JSON"}, JsonInput),
    ({"id": "y", "type": "YAML", "defaults": [{"user": "john"}]}, YamlInput),
    ({"id": "u", "type": "URI"}, UriInput),
    ({"id": "em", "type": "EMAIL"}, EmailInput),
    ({"id": "a", "type": "ARRAY", "itemType": "INT"}, ArrayInput),
    ({"id": "file", "type": "FILE", "allowedFileExtensions": [".csv"]}, FileInput),
    ({"id": "old_file", "type": "FILE", "extension": ".txt"}, FileInput),
]


@pytest.mark.parametrize(("definition", "model"), EVERY_TYPE, ids=lambda x: str(x)[:40])
def test_every_type_parses(definition: dict[str, Any], model: type) -> None:
    [parsed] = parse_inputs([definition])
    assert isinstance(parsed, model)
    assert parsed.id == definition["id"]


def test_common_properties_use_camel_case() -> None:
    [parsed] = parse_inputs(
        [
            {
                "id": "region",
                "type": "STRING",
                "displayName": "Region",
                "description": "Where to run",
                "required": False,
                "prefill": "eu",
                "dependsOn": {"inputs": ["cloud"], "condition": "{{ inputs.cloud == 'aws' }}"},
            }
        ]
    )
    assert parsed.display_name == "Region"
    assert parsed.required is False
    assert parsed.prefill == "eu"
    assert parsed.depends_on is not None
    assert parsed.depends_on.inputs == ["cloud"]
    assert parsed.depends_on.condition == "{{ inputs.cloud == 'aws' }}"


def test_required_defaults_to_true() -> None:
    [parsed] = parse_inputs([{"id": "x", "type": "STRING"}])
    assert parsed.required is True


def test_constraints_parse_to_native_values() -> None:
    window, day, clock, span = parse_inputs(
        [
            {"id": "w", "type": "DATETIME", "after": "2024-01-01T02:00:00+02:00"},
            {"id": "d", "type": "DATE", "after": "2024-01-01"},
            {"id": "c", "type": "TIME", "before": "18:30"},
            {"id": "s", "type": "DURATION", "max": "PT1H30M"},
        ]
    )
    assert isinstance(window, DateTimeInput)
    assert window.after == datetime(2024, 1, 1, tzinfo=UTC)
    assert isinstance(day, DateInput)
    assert day.after == date(2024, 1, 1)
    assert isinstance(clock, TimeInput)
    assert clock.before == time(18, 30)
    assert isinstance(span, DurationInput)
    assert span.max == timedelta(hours=1, minutes=30)


def test_constraints_serialise_as_iso_text() -> None:
    [window] = parse_inputs([{"id": "w", "type": "DATETIME", "after": "2024-01-01T00:00:00Z"}])
    dumped = window.model_dump(exclude_none=True)
    assert dumped["after"] == "2024-01-01T00:00:00Z"


def test_select_values_written_as_yaml_booleans_become_text() -> None:
    [parsed] = parse_inputs([{"id": "answer", "type": "SELECT", "values": [True, False, 3]}])
    assert isinstance(parsed, SelectInput)
    assert parsed.values == ["true", "false", "3"]


INVALID_DEFINITIONS: list[tuple[dict[str, Any], str]] = [
    ({"id": "x", "type": "STRING", "colour": "red"}, "colour"),
    ({"id": "x", "type": "INT", "validator": "^1$"}, "validator"),
    ({"id": "x", "type": "NUMBER"}, "NUMBER"),
    ({"id": "-x", "type": "STRING"}, "invalid input id '-x'"),
    ({"id": "a..b", "type": "STRING"}, "invalid input id 'a..b'"),
    ({"id": "a.", "type": "STRING"}, "invalid input id 'a.'"),
    ({"id": "with space", "type": "STRING"}, "invalid input id"),
    ({"id": "x", "type": "ARRAY"}, "itemType"),
    ({"id": "x", "type": "ENUM"}, "values"),
    ({"id": "x", "type": "DATETIME", "after": "2024-01-01T00:00:00"}, "no offset"),
    ({"id": "x", "type": "DURATION", "min": "5m"}, "invalid duration"),
    ({"id": "x", "type": "STRING", "minLength": -1}, "minLength"),
]


@pytest.mark.parametrize(("definition", "fragment"), INVALID_DEFINITIONS, ids=lambda x: str(x)[:40])
def test_invalid_definition_is_rejected(definition: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_inputs([definition])
    assert fragment in str(raised.value)


@pytest.mark.parametrize("input_id", ["a", "A1", "1st", "user.name", "a_b-c.d_e", "x._y"])
def test_valid_ids_are_accepted(input_id: str) -> None:
    [parsed] = parse_inputs([{"id": input_id, "type": "STRING"}])
    assert parsed.id == input_id


def test_models_are_frozen() -> None:
    [parsed] = parse_inputs([{"id": "x", "type": "STRING"}])
    with pytest.raises(ValidationError):
        parsed.id = "y"
