"""Resolving an execution's inputs from supplied values, defaults, expressions and uploads."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from input_fakes import FakeRenderer, FakeStore, parse_inputs

from lanner.errors import InvalidInputs
from lanner.flows.inputs import UploadedFile, decrypt_secret, resolve_inputs

KEY = base64.b64encode(b"k" * 32).decode()


async def _resolve(
    definitions: list[dict[str, Any]],
    supplied: Mapping[str, Any] | None = None,
    *,
    renderer: FakeRenderer | None = None,
    store: FakeStore | None = None,
    files: Mapping[str, UploadedFile] | None = None,
    encryption_key: str | None = KEY,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return await resolve_inputs(
        parse_inputs(definitions),
        supplied or {},
        files=files or {},
        render=renderer or FakeRenderer(),
        store_file=store or FakeStore(),
        encryption_key=encryption_key,
        variables=variables,
    )


async def _problems(
    definitions: list[dict[str, Any]], supplied: Mapping[str, Any] | None = None, **options: Any
) -> list[str]:
    with pytest.raises(InvalidInputs) as raised:
        await _resolve(definitions, supplied, **options)
    return [problem.message for problem in raised.value.problems]


async def test_defaults_are_used_when_not_supplied() -> None:
    result = await _resolve(
        [
            {"id": "name", "type": "STRING", "defaults": "World"},
            {"id": "count", "type": "INT", "defaults": 3},
        ]
    )
    assert result == {"name": "World", "count": 3}


async def test_supplied_values_override_defaults() -> None:
    result = await _resolve(
        [
            {"id": "name", "type": "STRING", "defaults": "World"},
            {"id": "count", "type": "INT", "defaults": 3},
        ],
        {"name": "Lanner", "count": "7"},
    )
    assert result == {"name": "Lanner", "count": 7}


async def test_explicit_null_counts_as_not_supplied() -> None:
    result = await _resolve([{"id": "count", "type": "INT", "defaults": 3}], {"count": None})
    assert result == {"count": 3}


async def test_required_input_with_default_needs_no_value() -> None:
    result = await _resolve([{"id": "env", "type": "STRING", "required": True, "defaults": "dev"}])
    assert result == {"env": "dev"}


async def test_missing_required_input_is_a_problem() -> None:
    with pytest.raises(InvalidInputs) as raised:
        await _resolve([{"id": "env", "type": "STRING"}])

    [problem] = raised.value.problems
    assert problem.message == "input 'env': is required but has no value"
    assert problem.hint == "supply a value, or give the input a default"


async def test_optional_date_without_value_is_none() -> None:
    result = await _resolve([{"id": "end_date", "type": "DATE", "required": False}])
    assert result == {"end_date": None}


async def test_optional_string_with_empty_default_is_empty() -> None:
    result = await _resolve([{"id": "label", "type": "STRING", "required": False, "defaults": ""}])
    assert result == {"label": ""}


async def test_prefill_is_not_used_as_a_value() -> None:
    result = await _resolve([{"id": "note", "type": "STRING", "required": False, "prefill": "hi"}])
    assert result == {"note": None}


CLI_TEXT: list[tuple[dict[str, Any], str, Any]] = [
    ({"type": "STRING"}, "hello", "hello"),
    ({"type": "INT"}, "42", 42),
    ({"type": "FLOAT"}, "1.255", 1.255),
    ({"type": "BOOLEAN"}, "true", True),
    ({"type": "BOOL"}, "False", False),
    ({"type": "SELECT", "values": ["a", "b"]}, "b", "b"),
    ({"type": "MULTISELECT", "values": ["a", "b"]}, '["a", "b"]', ["a", "b"]),
    ({"type": "ENUM", "values": ["X"]}, "X", "X"),
    ({"type": "DATETIME"}, "2023-12-24T23:00:00.000Z", "2023-12-24T23:00:00Z"),
    ({"type": "DATE"}, "2024-01-31", "2024-01-31"),
    ({"type": "TIME"}, "10:15:30", "10:15:30"),
    ({"type": "DURATION"}, "PT5M", "PT5M"),
    ({"type": "JSON"}, '{"a": 1}', {"a": 1}),
    ({"type": "YAML"}, "- a\n- b\n", ["a", "b"]),
    ({"type": "URI"}, "https://example.com/x", "https://example.com/x"),
    ({"type": "EMAIL"}, "a@example.com", "a@example.com"),
    ({"type": "ARRAY", "itemType": "FLOAT"}, "[1, 2.5]", [1.0, 2.5]),
    ({"type": "FILE"}, "kestra:///ns/flow/in.csv", "kestra:///ns/flow/in.csv"),
]


@pytest.mark.parametrize(("definition", "text", "expected"), CLI_TEXT, ids=lambda x: repr(x)[:30])
async def test_text_value_is_coerced(definition: dict[str, Any], text: str, expected: Any) -> None:
    result = await _resolve([{"id": "x", **definition}], {"x": text})

    assert result == {"x": expected}
    json.dumps(result)


API_JSON: list[tuple[dict[str, Any], Any, Any]] = [
    ({"type": "INT"}, 42, 42),
    ({"type": "FLOAT"}, 3, 3.0),
    ({"type": "BOOLEAN"}, True, True),
    ({"type": "STRING"}, 12, "12"),
    ({"type": "MULTISELECT", "values": ["a", "b"]}, ["a"], ["a"]),
    ({"type": "ARRAY", "itemType": "INT"}, [1, "2"], [1, 2]),
    ({"type": "JSON"}, {"nested": [1, {"x": None}]}, {"nested": [1, {"x": None}]}),
]


@pytest.mark.parametrize(("definition", "value", "expected"), API_JSON, ids=lambda x: repr(x)[:30])
async def test_json_value_is_coerced(definition: dict[str, Any], value: Any, expected: Any) -> None:
    assert await _resolve([{"id": "x", **definition}], {"x": value}) == {"x": expected}


async def test_every_bad_input_is_reported_at_once() -> None:
    messages = await _problems(
        [
            {"id": "count", "type": "INT", "max": 5},
            {"id": "color", "type": "SELECT", "values": ["red", "green"]},
            {"id": "when", "type": "DATETIME"},
            {"id": "code", "type": "STRING", "validator": "^[A-Z]{3}$"},
            {"id": "needed", "type": "STRING"},
            {"id": "fine", "type": "STRING", "defaults": "ok"},
        ],
        {"count": "9", "color": "purple", "when": "2024-01-31T10:00:00", "code": "ab"},
    )

    assert messages == [
        "input 'count': value '9' is greater than max 5",
        "input 'color': value 'purple' is not in values ['red', 'green']",
        "input 'when': value '2024-01-31T10:00:00' is an invalid date-time: it has no offset, "
        "so the moment it names is unknown. Add 'Z' for UTC or an offset such as '+02:00'",
        "input 'code': value 'ab' does not match the validator regex '^[A-Z]{3}$'",
        "input 'needed': is required but has no value",
    ]


async def test_invalid_literal_default_is_reported_at_run_time() -> None:
    messages = await _problems([{"id": "retries", "type": "INT", "defaults": "three"}])
    assert messages == [
        "input 'retries': default 'three' is not an integer: expected a whole number such as 42"
    ]


async def test_unknown_supplied_names_are_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="lanner.flows.inputs.resolve"):
        result = await _resolve([{"id": "a", "type": "STRING"}], {"a": "x", "zzz": "1", "extra": 2})

    assert result == {"a": "x"}
    assert "extra, zzz" in caplog.text
    assert "'1'" not in caplog.text


async def test_dotted_ids_build_nested_maps() -> None:
    result = await _resolve(
        [
            {"id": "user.name", "type": "STRING"},
            {"id": "user.age", "type": "INT", "defaults": 30},
            {"id": "user.address.city", "type": "STRING", "required": False},
            {"id": "plain", "type": "BOOL", "defaults": True},
        ],
        {"user.name": "Ada"},
    )
    assert result == {
        "user": {"name": "Ada", "age": 30, "address": {"city": None}},
        "plain": True,
    }


async def test_colliding_dotted_id_is_rejected() -> None:
    messages = await _problems(
        [{"id": "user", "type": "JSON"}, {"id": "user.name", "type": "STRING"}],
        {"user": '{"name": "x"}', "user.name": "y"},
    )
    assert messages == [
        "input 'user.name': cannot nest the value, because another input has a value at that key"
    ]


async def test_default_reads_earlier_input(
    renderer: FakeRenderer,
) -> None:
    result = await _resolve(
        [
            {"id": "first", "type": "STRING"},
            {"id": "greeting", "type": "STRING", "defaults": "Hello {{ inputs.first }}!"},
        ],
        {"first": "Ada"},
        renderer=renderer,
    )
    assert result == {"first": "Ada", "greeting": "Hello Ada!"}


async def test_default_waits_for_its_dependency(
    renderer: FakeRenderer,
) -> None:
    result = await _resolve(
        [
            {
                "id": "doubled",
                "type": "INT",
                "defaults": "{{ inputs.base * 2 }}",
                "dependsOn": {"inputs": ["base"]},
            },
            {"id": "base", "type": "INT", "defaults": 21},
        ],
        renderer=renderer,
    )
    assert result == {"doubled": 42, "base": 21}


async def test_default_reading_later_input_fails(
    renderer: FakeRenderer,
) -> None:
    messages = await _problems(
        [
            {"id": "doubled", "type": "INT", "defaults": "{{ inputs.base * 2 }}"},
            {"id": "base", "type": "INT", "defaults": 21},
        ],
        renderer=renderer,
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "input 'doubled': default '{{ inputs.base * 2 }}' could not be rendered:"
    )


async def test_rendered_default_is_validated(renderer: FakeRenderer) -> None:
    messages = await _problems(
        [{"id": "n", "type": "INT", "max": 5, "defaults": "{{ 2 * 5 }}"}], renderer=renderer
    )
    assert messages == ["input 'n': rendered default 10 is greater than max 5"]


async def test_expression_default_sees_caller_variables(renderer: FakeRenderer) -> None:
    result = await _resolve(
        [{"id": "run", "type": "STRING", "defaults": "run-{{ execution['id'] }}"}],
        renderer=renderer,
        variables={"execution": {"id": "e1"}},
    )
    assert result == {"run": "run-e1"}


async def test_supplied_value_skips_rendering_the_default(renderer: FakeRenderer) -> None:
    await _resolve(
        [{"id": "x", "type": "STRING", "defaults": "{{ boom }}"}], {"x": "given"}, renderer=renderer
    )
    assert renderer.calls == []


CONDITIONAL: list[dict[str, Any]] = [
    {"id": "resource_type", "type": "SELECT", "values": ["Cloud VM", "SaaS application"]},
    {
        "id": "cloud_provider",
        "type": "SELECT",
        "values": ["AWS", "GCP"],
        "dependsOn": {
            "inputs": ["resource_type"],
            "condition": "{{ inputs.resource_type == 'Cloud VM' }}",
        },
    },
    {
        "id": "region",
        "type": "STRING",
        "defaults": "{{ 'eu-' + inputs.cloud_provider.lower() }}",
        "dependsOn": {"inputs": ["cloud_provider"]},
    },
]


async def test_true_condition_enables_the_input(renderer: FakeRenderer) -> None:
    result = await _resolve(
        CONDITIONAL, {"resource_type": "Cloud VM", "cloud_provider": "GCP"}, renderer=renderer
    )
    assert result == {"resource_type": "Cloud VM", "cloud_provider": "GCP", "region": "eu-gcp"}


async def test_false_condition_leaves_the_input_out(renderer: FakeRenderer) -> None:
    result = await _resolve(
        CONDITIONAL,
        {"resource_type": "SaaS application", "cloud_provider": "not even valid"},
        renderer=renderer,
    )
    # cloud_provider is disabled, so its value is ignored and region, which depends on it, is too.
    assert result == {"resource_type": "SaaS application"}


async def test_condition_that_fails_to_render_is_a_problem(renderer: FakeRenderer) -> None:
    messages = await _problems(
        [
            {"id": "a", "type": "STRING", "defaults": "x"},
            {
                "id": "b",
                "type": "STRING",
                "dependsOn": {"inputs": ["a"], "condition": "{{ nope }}"},
            },
        ],
        renderer=renderer,
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "input 'b': dependsOn.condition '{{ nope }}' could not be rendered"
    )


async def test_invalid_dependency_adds_no_problem(renderer: FakeRenderer) -> None:
    messages = await _problems(
        [
            {"id": "base", "type": "INT"},
            {
                "id": "doubled",
                "type": "INT",
                "defaults": "{{ inputs.base * 2 }}",
                "dependsOn": {"inputs": ["base"]},
            },
        ],
        {"base": "x"},
        renderer=renderer,
    )
    assert messages == [
        "input 'base': value 'x' is not an integer: expected a whole number such as 42"
    ]


async def test_dependency_cycle_is_a_problem() -> None:
    messages = await _problems(
        [
            {"id": "a", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
            {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"]}},
        ],
        {"a": "1", "b": "2"},
    )
    assert messages == ["input 'a': dependsOn forms a cycle a -> b -> a"]


async def test_unknown_dependency_is_ignored() -> None:
    result = await _resolve(
        [{"id": "a", "type": "STRING", "dependsOn": {"inputs": ["ghost", "a"]}}], {"a": "1"}
    )
    assert result == {"a": "1"}


async def test_select_values_from_expression(renderer: FakeRenderer) -> None:
    definitions: list[dict[str, Any]] = [
        {"id": "region", "type": "SELECT", "expression": "{{ ['eu', 'us', None] }}"},
    ]
    assert await _resolve(definitions, {"region": "us"}, renderer=renderer) == {"region": "us"}
    messages = await _problems(definitions, {"region": "asia"}, renderer=renderer)
    assert messages == ["input 'region': value 'asia' is not in values ['eu', 'us']"]


async def test_select_expression_must_render_a_list(renderer: FakeRenderer) -> None:
    messages = await _problems(
        [{"id": "region", "type": "SELECT", "expression": "{{ 'eu' }}"}],
        {"region": "eu"},
        renderer=renderer,
    )
    assert messages == [
        "input 'region': expression \"{{ 'eu' }}\" rendered 'eu', expected a list of values"
    ]


async def test_allow_custom_value_accepts_any_value() -> None:
    definitions = [{"id": "cloud", "type": "SELECT", "values": ["AWS"], "allowCustomValue": True}]
    assert await _resolve(definitions, {"cloud": "Oracle Cloud"}) == {"cloud": "Oracle Cloud"}


async def test_auto_select_first_takes_the_first_value() -> None:
    result = await _resolve(
        [
            {"id": "one", "type": "SELECT", "values": ["A", "B"], "autoSelectFirst": True},
            {"id": "many", "type": "MULTISELECT", "values": ["X", "Y"], "autoSelectFirst": True},
        ]
    )
    assert result == {"one": "A", "many": ["X"]}


async def test_multiselect_rejects_an_unknown_item() -> None:
    messages = await _problems(
        [{"id": "tags", "type": "MULTISELECT", "values": ["a", "b"]}], {"tags": '["a", "z"]'}
    )
    assert messages == [
        "input 'tags': value '[\"a\", \"z\"]' has the item 'z', which is not in values ['a', 'b']"
    ]


async def test_multiselect_items_compare_as_their_item_type() -> None:
    definitions: list[dict[str, Any]] = [
        {"id": "ports", "type": "MULTISELECT", "itemType": "INT", "values": ["80", "443"]}
    ]
    assert await _resolve(definitions, {"ports": [443]}) == {"ports": [443]}


async def test_uploaded_file_is_stored(store: FakeStore) -> None:
    result = await _resolve(
        [{"id": "data", "type": "FILE"}, {"id": "note", "type": "STRING", "defaults": "hi"}],
        store=store,
        files={"data": UploadedFile(filename="orders.csv", content=b"id,total\n1,10\n")},
    )

    assert store.calls == [("data", "orders.csv", b"id,total\n1,10\n")]
    assert result == {
        "data": "kestra:///company/team/flow/executions/exec1/inputs/data/orders.csv",
        "note": "hi",
    }


async def test_invalid_inputs_store_no_files(store: FakeStore) -> None:
    with pytest.raises(InvalidInputs):
        await _resolve(
            [{"id": "data", "type": "FILE"}, {"id": "count", "type": "INT"}],
            {"count": "many"},
            store=store,
            files={"data": UploadedFile(filename="a.csv", content=b"x")},
        )
    assert store.calls == []


async def test_upload_with_a_disallowed_extension_is_a_problem(store: FakeStore) -> None:
    messages = await _problems(
        [{"id": "doc", "type": "FILE", "allowedFileExtensions": [".md", ".txt"]}],
        store=store,
        files={"doc": UploadedFile(filename="photo.PNG", content=b"x")},
    )
    assert messages == [
        "input 'doc': upload 'photo.PNG' has the file name 'photo.PNG', whose extension is not one "
        "of allowedFileExtensions ['.md', '.txt']"
    ]
    assert store.calls == []


async def test_upload_extension_check_ignores_case(store: FakeStore) -> None:
    result = await _resolve(
        [{"id": "doc", "type": "FILE", "allowedFileExtensions": [".md"]}],
        store=store,
        files={"doc": UploadedFile(filename="README.MD", content=b"# hi")},
    )
    assert result["doc"].endswith("/README.MD")


async def test_upload_for_non_file_input() -> None:
    messages = await _problems(
        [{"id": "count", "type": "INT"}],
        files={"count": UploadedFile(filename="x.txt", content=b"1")},
    )
    assert messages == [
        "input 'count': a file was uploaded, but the input is of type INT, not FILE"
    ]


async def test_missing_file_is_a_problem() -> None:
    messages = await _problems([{"id": "data", "type": "FILE"}])
    assert messages == ["input 'data': is required but has no value"]


async def test_file_default_uri_is_kept(store: FakeStore) -> None:
    result = await _resolve(
        [{"id": "data", "type": "FILE", "defaults": "nsfile:///hello.txt"}], store=store
    )
    assert result == {"data": "nsfile:///hello.txt"}
    assert store.calls == []


async def test_secret_is_encrypted_in_the_result() -> None:
    result = await _resolve([{"id": "password", "type": "SECRET"}], {"password": "hunter2"})

    assert result["password"] != "hunter2"
    assert decrypt_secret(result["password"], KEY) == "hunter2"


async def test_expressions_see_the_secret_in_plain_text(renderer: FakeRenderer) -> None:
    result = await _resolve(
        [
            {"id": "password", "type": "SECRET"},
            {"id": "length", "type": "INT", "defaults": "{{ len(inputs.password) }}"},
        ],
        {"password": "hunter2"},
        renderer=renderer,
    )
    assert result["length"] == 7


async def test_secret_without_encryption_key_is_a_problem() -> None:
    messages = await _problems(
        [{"id": "password", "type": "SECRET"}, {"id": "count", "type": "INT"}],
        {"password": "hunter2", "count": "x"},
        encryption_key=None,
    )

    assert len(messages) == 2
    assert messages[0].startswith(
        "input 'password': cannot encrypt the SECRET value: no encryption key is configured"
    )
    assert "hunter2" not in messages[0]


async def test_optional_secret_without_value_needs_no_key() -> None:
    result = await _resolve(
        [{"id": "token", "type": "SECRET", "required": False}], encryption_key=None
    )
    assert result == {"token": None}


async def test_secret_regex_mismatch_hides_the_value() -> None:
    messages = await _problems(
        [{"id": "pin", "type": "SECRET", "validator": "^[0-9]{4}$"}], {"pin": "12a4"}
    )
    assert messages == [
        "input 'pin': value <hidden> does not match the validator regex '^[0-9]{4}$'"
    ]


async def test_result_is_json_serialisable(renderer: FakeRenderer) -> None:
    result = await _resolve(
        [
            {"id": "when", "type": "DATETIME", "defaults": "2024-01-31T10:00:00Z"},
            {"id": "day", "type": "DATE", "defaults": "2024-01-31"},
            {"id": "at", "type": "TIME", "defaults": "10:15:30"},
            {"id": "wait", "type": "DURATION", "defaults": "PT5M"},
            {"id": "conf", "type": "YAML", "defaults": "a: 1"},
            {
                "id": "dates",
                "type": "ARRAY",
                "itemType": "DATETIME",
                "defaults": ["2024-01-31T10:00:00Z"],
            },
        ],
        renderer=renderer,
    )

    assert json.loads(json.dumps(result)) == {
        "when": "2024-01-31T10:00:00Z",
        "day": "2024-01-31",
        "at": "10:15:30",
        "wait": "PT5M",
        "conf": {"a": 1},
        "dates": ["2024-01-31T10:00:00Z"],
    }
