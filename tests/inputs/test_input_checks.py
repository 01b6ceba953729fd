"""Static checks of a flow's inputs: literal defaults, ids, dependencies and definitions."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from input_fakes import parse_inputs

from lanner.flows.inputs import InputProblem, check_inputs

BAD_DEFAULTS_FLOW = """
inputs:
  - id: color
    type: SELECT
    values: ["red", "green", "blue"]
    defaults: purple
  - id: retries
    type: INT
    min: 0
    max: 5
    defaults: "three"
  - id: when
    type: DATETIME
    defaults: "2024-13-45T99:00:00Z"
  - id: code
    type: STRING
    validator: "^[A-Z]{3}$"
    defaults: "ab"
"""


def _problems(definitions: list[dict[str, Any]]) -> list[InputProblem]:
    return check_inputs(parse_inputs(definitions))


def test_bad_defaults_flow_reports_one_problem_per_input() -> None:
    inputs = parse_inputs(yaml.safe_load(BAD_DEFAULTS_FLOW)["inputs"])

    problems = check_inputs(inputs)

    assert [problem.path for problem in problems] == [
        (0, "defaults"),
        (1, "defaults"),
        (2, "defaults"),
        (3, "defaults"),
    ]
    color, retries, when, code = (problem.message for problem in problems)
    assert "'color'" in color
    assert "'purple'" in color
    assert "not in values ['red', 'green', 'blue']" in color
    assert "'retries'" in retries
    assert "'three'" in retries
    assert "not an integer" in retries
    assert "'when'" in when
    assert "'2024-13-45T99:00:00Z'" in when
    assert "invalid date-time" in when
    assert "'code'" in code
    assert "'ab'" in code
    assert "does not match the validator regex '^[A-Z]{3}$'" in code


VALID_DEFAULTS: list[dict[str, Any]] = [
    {"id": "s", "type": "STRING", "defaults": "Hello"},
    {"id": "s_regex", "type": "STRING", "validator": "^student(\\d+)?$", "defaults": "student42"},
    {"id": "s_len", "type": "STRING", "minLength": 2, "maxLength": 3, "defaults": "abc"},
    {"id": "s_empty", "type": "STRING", "required": False, "defaults": ""},
    {"id": "i", "type": "INT", "min": 18, "max": 64, "defaults": 42},
    {"id": "i_text", "type": "INT", "defaults": "42"},
    {"id": "i_bounds", "type": "INT", "min": 0, "max": 5, "defaults": 5},
    {"id": "f", "type": "FLOAT", "min": 0.2, "max": 5.3, "defaults": 3.2},
    {"id": "f_int", "type": "FLOAT", "defaults": 3},
    {"id": "b", "type": "BOOLEAN", "defaults": True},
    {"id": "b_text", "type": "BOOL", "defaults": "false"},
    {"id": "sel", "type": "SELECT", "values": ["A", "B"], "defaults": "A"},
    {
        "id": "sel_custom",
        "type": "SELECT",
        "values": ["A"],
        "allowCustomValue": True,
        "defaults": "Z",
    },
    {"id": "sel_expr", "type": "SELECT", "expression": "{{ kv('x') }}", "defaults": "anything"},
    {"id": "m", "type": "MULTISELECT", "values": ["A", "B"], "defaults": ["A", "B"]},
    {"id": "m_options", "type": "MULTISELECT", "options": ["A", "B"], "defaults": ["B"]},
    {"id": "m_text", "type": "MULTISELECT", "values": ["A", "B"], "defaults": '["A"]'},
    {"id": "e", "type": "ENUM", "values": ["VALUE_1", "VALUE_2"], "defaults": "VALUE_1"},
    {"id": "dt", "type": "DATETIME", "defaults": "2013-08-09T14:19:00Z"},
    {"id": "dt_offset", "type": "DATETIME", "defaults": "2013-08-09T16:19:00+02:00"},
    {
        "id": "dt_range",
        "type": "DATETIME",
        "after": "2024-04-10T14:19:00Z",
        "before": "2024-04-15T14:19:00Z",
        "defaults": "2024-04-13T14:17:00Z",
    },
    {"id": "d", "type": "DATE", "after": "2024-04-10", "defaults": "2024-04-12"},
    {"id": "t", "type": "TIME", "before": "23:00", "defaults": "14:19:00"},
    {"id": "du", "type": "DURATION", "min": "PT5M6S", "max": "PT12H", "defaults": "PT5M6S"},
    {"id": "j", "type": "JSON", "defaults": '[{"name": "kestra", "rating": "best in class"}]'},
    {"id": "j_native", "type": "JSON", "defaults": {"a": [1, 2]}},
    {"id": "y", "type": "YAML", "defaults": [{"user": "john", "email": "john@example.com"}]},
    {"id": "y_text", "type": "YAML", "defaults": "user: john\nsince: 2024-01-01\n"},
    {"id": "u", "type": "URI", "defaults": "https://example.com/data/orders.csv"},
    {"id": "u_local", "type": "URI", "defaults": "http://localhost:8080/api"},
    {"id": "em", "type": "EMAIL", "defaults": "john@example.com"},
    {"id": "a", "type": "ARRAY", "itemType": "INT", "defaults": [1, 2, 3]},
    {"id": "a_text", "type": "ARRAY", "itemType": "DATE", "defaults": '["2024-01-01"]'},
    {"id": "sec", "type": "SECRET", "validator": "^[a-z]+$", "defaults": "hunter"},
    {"id": "file", "type": "FILE", "defaults": "nsfile:///hello.txt"},
    {
        "id": "file_ext",
        "type": "FILE",
        "allowedFileExtensions": [".md", ".txt"],
        "defaults": "nsfile:///docs/README.MD",
    },
    {"id": "expr_int", "type": "INT", "defaults": "{{ 1 + 2 }}"},
    {"id": "expr_dt", "type": "DATETIME", "defaults": "{{ now() }}"},
    {"id": "expr_list", "type": "ARRAY", "itemType": "INT", "defaults": [1, "{{ 2 }}"]},
    {"id": "pre", "type": "INT", "required": False, "prefill": 3},
]


@pytest.mark.parametrize("definition", VALID_DEFAULTS, ids=lambda d: d["id"])
def test_valid_default_has_no_problem(definition: dict[str, Any]) -> None:
    assert _problems([definition]) == []


INVALID_DEFAULTS: list[tuple[dict[str, Any], str]] = [
    ({"id": "s", "type": "STRING", "defaults": ["a"]}, "is a list, not text"),
    ({"id": "s", "type": "STRING", "validator": "^a+$", "defaults": "b"}, "does not match"),
    ({"id": "s", "type": "STRING", "minLength": 3, "defaults": "ab"}, "shorter than minLength 3"),
    ({"id": "s", "type": "STRING", "maxLength": 1, "defaults": "ab"}, "longer than maxLength 1"),
    ({"id": "i", "type": "INT", "defaults": "1.0"}, "is not an integer"),
    ({"id": "i", "type": "INT", "defaults": 1.5}, "is not an integer"),
    ({"id": "i", "type": "INT", "defaults": True}, "is a boolean, not an integer"),
    ({"id": "i", "type": "INT", "min": 18, "defaults": 17}, "is less than min 18"),
    ({"id": "i", "type": "INT", "max": 64, "defaults": 65}, "is greater than max 64"),
    ({"id": "i", "type": "INT", "defaults": 2**31}, "outside the INT range"),
    ({"id": "f", "type": "FLOAT", "defaults": "abc"}, "is not a number"),
    ({"id": "f", "type": "FLOAT", "min": 0.2, "defaults": 0.1}, "is less than min 0.2"),
    ({"id": "b", "type": "BOOLEAN", "defaults": "yes"}, "is not a boolean"),
    ({"id": "b", "type": "BOOL", "defaults": 1}, "is not a boolean"),
    ({"id": "sel", "type": "SELECT", "values": ["A"], "defaults": "B"}, "is not in values ['A']"),
    (
        {"id": "m", "type": "MULTISELECT", "values": ["A"], "defaults": ["A", "C"]},
        "has the item 'C', which is not in values ['A']",
    ),
    ({"id": "m", "type": "MULTISELECT", "values": ["A"], "defaults": "A"}, "not a JSON list"),
    ({"id": "e", "type": "ENUM", "values": ["X"], "defaults": "Y"}, "is not in values ['X']"),
    ({"id": "dt", "type": "DATETIME", "defaults": "2024-01-31T10:00:00"}, "has no offset"),
    ({"id": "dt", "type": "DATETIME", "defaults": "2024-01-31"}, "invalid date-time"),
    (
        {
            "id": "dt",
            "type": "DATETIME",
            "after": "2024-02-01T00:00:00Z",
            "defaults": "2024-01-31T10:00:00Z",
        },
        "is earlier than after '2024-02-01T00:00:00Z'",
    ),
    ({"id": "d", "type": "DATE", "defaults": "2024-01-31T10:00:00Z"}, "takes only the date part"),
    ({"id": "d", "type": "DATE", "defaults": "2024-02-30"}, "is an invalid date"),
    (
        {"id": "d", "type": "DATE", "before": "2024-01-01", "defaults": "2024-01-02"},
        "is later than before '2024-01-01'",
    ),
    ({"id": "t", "type": "TIME", "defaults": "25:00"}, "is an invalid time"),
    ({"id": "t", "type": "TIME", "defaults": "10:00:00Z"}, "is an invalid time"),
    (
        {"id": "t", "type": "TIME", "after": "11:00", "defaults": "10:00"},
        "is earlier than after '11:00:00'",
    ),
    ({"id": "du", "type": "DURATION", "defaults": "5m"}, "is an invalid duration"),
    ({"id": "du", "type": "DURATION", "defaults": 300}, "is not ISO-8601 text"),
    (
        {"id": "du", "type": "DURATION", "max": "PT1H", "defaults": "PT2H"},
        "is greater than max 'PT1H'",
    ),
    ({"id": "j", "type": "JSON", "defaults": "{not json"}, "is not valid JSON"),
    ({"id": "y", "type": "YAML", "defaults": "a: [1, 2"}, "is not valid YAML"),
    ({"id": "u", "type": "URI", "defaults": "not a uri"}, "is not a valid URI"),
    ({"id": "em", "type": "EMAIL", "defaults": "john.example.com"}, "is not a valid email address"),
    (
        {"id": "a", "type": "ARRAY", "itemType": "INT", "defaults": [1, "x"]},
        "invalid item at index 1",
    ),
    (
        {"id": "a", "type": "ARRAY", "itemType": "INT", "defaults": {"a": 1}},
        "is a mapping, not a list",
    ),
    ({"id": "file", "type": "FILE", "defaults": "/tmp/data.csv"}, "is not a file reference"),
    (
        {
            "id": "file",
            "type": "FILE",
            "allowedFileExtensions": [".csv"],
            "defaults": "nsfile:///a.txt",
        },
        "is not one of allowedFileExtensions ['.csv']",
    ),
]


@pytest.mark.parametrize(("definition", "rule"), INVALID_DEFAULTS, ids=lambda x: str(x)[:50])
def test_invalid_default_has_one_problem(definition: dict[str, Any], rule: str) -> None:
    problems = _problems([definition])

    assert len(problems) == 1
    assert problems[0].path == (0, "defaults")
    assert problems[0].message.startswith(f"input {definition['id']!r}: default ")
    assert rule in problems[0].message


def test_invalid_prefill_is_reported_at_prefill() -> None:
    problems = _problems([{"id": "n", "type": "INT", "required": False, "prefill": "many"}])

    assert [problem.path for problem in problems] == [(0, "prefill")]
    assert "input 'n': prefill 'many' is not an integer" in problems[0].message


def test_secret_default_is_not_shown() -> None:
    problems = _problems(
        [{"id": "pw", "type": "SECRET", "validator": "^[0-9]+$", "defaults": "hunter2"}]
    )

    assert len(problems) == 1
    assert "hunter2" not in problems[0].message
    assert "<hidden>" in problems[0].message


def test_all_problems_are_reported_at_once() -> None:
    problems = _problems(
        [
            {"id": "a", "type": "INT", "defaults": "x"},
            {"id": "a", "type": "STRING"},
            {"id": "b", "type": "BOOL", "defaults": "maybe"},
            {"id": "c", "type": "STRING", "dependsOn": {"inputs": ["nowhere"]}},
        ]
    )

    paths = sorted(problem.path for problem in problems)
    assert paths == [(0, "defaults"), (1, "id"), (2, "defaults"), (3, "dependsOn", "inputs", 0)]


def test_duplicate_id_names_the_first_declaration() -> None:
    problems = _problems([{"id": "x", "type": "STRING"}, {"id": "x", "type": "INT"}])

    assert problems == [
        InputProblem(
            (1, "id"), "input id 'x' is already used by inputs[0]", "give each input a unique id"
        )
    ]


def test_id_nested_under_another_input_is_reported() -> None:
    problems = _problems([{"id": "user", "type": "STRING"}, {"id": "user.name", "type": "STRING"}])

    assert len(problems) == 1
    assert problems[0].path == (1, "id")
    assert "nests under 'user'" in problems[0].message


def test_nested_ids_sharing_a_prefix_are_fine() -> None:
    assert (
        _problems([{"id": "user.name", "type": "STRING"}, {"id": "user.age", "type": "INT"}]) == []
    )


def test_unknown_dependency_is_reported() -> None:
    problems = _problems(
        [
            {"id": "a", "type": "STRING"},
            {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a", "ghost"]}},
        ]
    )

    assert len(problems) == 1
    assert problems[0].path == (1, "dependsOn", "inputs", 1)
    assert "'ghost'" in problems[0].message
    assert "not an input of this flow" in problems[0].message


def test_dependency_cycle_is_reported_once() -> None:
    problems = _problems(
        [
            {"id": "a", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
            {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["c"]}},
            {"id": "c", "type": "STRING", "dependsOn": {"inputs": ["a"]}},
        ]
    )

    assert len(problems) == 1
    assert problems[0].path == (0, "dependsOn", "inputs")
    assert "cycle a -> b -> c -> a" in problems[0].message


def test_self_dependency_is_a_cycle() -> None:
    problems = _problems([{"id": "a", "type": "STRING", "dependsOn": {"inputs": ["a"]}}])

    assert len(problems) == 1
    assert "cycle a -> a" in problems[0].message


def test_dependencies_in_any_order_are_fine() -> None:
    definitions: list[dict[str, Any]] = [
        {
            "id": "later",
            "type": "STRING",
            "dependsOn": {"inputs": ["first"]},
            "defaults": "{{ inputs.first }}",
        },
        {"id": "first", "type": "STRING", "defaults": "x"},
    ]
    assert _problems(definitions) == []


DEFINITION_PROBLEMS: list[tuple[dict[str, Any], tuple[str | int, ...], str]] = [
    ({"id": "x", "type": "STRING", "validator": "[a-"}, ("validator",), "is an invalid regex"),
    ({"id": "x", "type": "SECRET", "validator": "(("}, ("validator",), "is an invalid regex"),
    (
        {"id": "x", "type": "STRING", "minLength": 5, "maxLength": 2},
        ("maxLength",),
        "maxLength 2 is below minLength 5",
    ),
    ({"id": "x", "type": "INT", "min": 5, "max": 1}, ("max",), "max 1 is below min 5"),
    ({"id": "x", "type": "FLOAT", "min": 5, "max": 1}, ("max",), "max 1.0 is below min 5.0"),
    (
        {"id": "x", "type": "DURATION", "min": "PT1H", "max": "PT1M"},
        ("max",),
        "max 'PT1M' is below min 'PT1H'",
    ),
    (
        {"id": "x", "type": "DATE", "after": "2024-02-01", "before": "2024-01-01"},
        ("before",),
        "before '2024-01-01' is below after '2024-02-01'",
    ),
    ({"id": "x", "type": "SELECT"}, ("values",), "needs a non-empty values list or an expression"),
    ({"id": "x", "type": "SELECT", "values": []}, ("values",), "needs a non-empty values list"),
    ({"id": "x", "type": "ENUM", "values": []}, ("values",), "needs a non-empty values list"),
    (
        {"id": "x", "type": "MULTISELECT"},
        ("values",),
        "needs a non-empty values list or an expression",
    ),
    (
        {"id": "x", "type": "MULTISELECT", "values": ["a"], "options": ["a"]},
        ("options",),
        "either values or options",
    ),
    (
        {"id": "x", "type": "MULTISELECT", "values": ["a"], "itemType": "FILE"},
        ("itemType",),
        "'FILE' is not an item type",
    ),
    (
        {"id": "x", "type": "ARRAY", "itemType": "SECRET"},
        ("itemType",),
        "'SECRET' is not an item type",
    ),
    (
        {"id": "x", "type": "ARRAY", "itemType": "ARRAY"},
        ("itemType",),
        "'ARRAY' is not an item type",
    ),
    (
        {"id": "x", "type": "FILE", "allowedFileExtensions": ["csv"]},
        ("allowedFileExtensions", 0),
        "'csv' is not an extension",
    ),
    (
        {"id": "x", "type": "STRING", "defaults": "a", "prefill": "b"},
        ("prefill",),
        "either defaults or prefill",
    ),
]


@pytest.mark.parametrize(
    ("definition", "path", "rule"), DEFINITION_PROBLEMS, ids=lambda x: str(x)[:50]
)
def test_definition_problem_is_reported(
    definition: dict[str, Any], path: tuple[str | int, ...], rule: str
) -> None:
    problems = _problems([definition])

    assert len(problems) == 1
    assert problems[0].path == (0, *path)
    assert problems[0].message.startswith("input 'x': ")
    assert rule in problems[0].message


def test_broken_definition_skips_its_default_check() -> None:
    problems = _problems([{"id": "x", "type": "STRING", "validator": "[a-", "defaults": "b"}])

    assert [problem.path for problem in problems] == [(0, "validator")]


def test_invalid_regex_hint_mentions_python_re() -> None:
    [problem] = _problems([{"id": "x", "type": "STRING", "validator": "\\p{Alpha}+"}])

    assert problem.hint is not None
    assert "Python's re module" in problem.hint


def test_rule_breaking_default_has_hint() -> None:
    [problem] = _problems([{"id": "n", "type": "INT", "min": 10, "defaults": 5}])

    assert problem.message == "input 'n': default 5 is less than min 10"
    assert problem.hint == "change the default or the rule it breaks"


def test_wrong_type_default_hint_in_message() -> None:
    [problem] = _problems([{"id": "n", "type": "INT", "defaults": "many"}])

    assert problem.hint is None


def test_invalid_input_keeps_indexes() -> None:
    [valid] = parse_inputs([{"id": "n", "type": "INT", "min": 10, "defaults": 5}])

    problems = check_inputs([None, valid])

    assert [problem.path for problem in problems] == [(1, "defaults")]


def test_dependency_on_invalid_input_accepted() -> None:
    [dependent] = parse_inputs([{"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"]}}])

    assert check_inputs([None, dependent], invalid_ids=["a"]) == []
    assert [problem.path for problem in check_inputs([None, dependent])] == [
        (1, "dependsOn", "inputs", 0)
    ]
