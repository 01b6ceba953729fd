"""Lists and maps turned into text are JSON text, in interpolation and as a filter's input.

The JSON text is compact (no spaces after `,` and `:`), keeps non-ASCII characters as they
are, and escapes quotes, backslashes and control characters. Python's own form of a value
(single quotes, True, None) never reaches a log or an output.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lanner.states import State
from tests.cases.support import messages, run_checked
from tests.support import InstanceHarness

JSON_THROUGH_FILTER = r"""
id: expr_json_through_filter
namespace: qa.research
inputs:
  - id: payload
    type: JSON
    defaults: |
      [{"name": "it's \"quoted\"", "n": 1, "ok": true, "none": null, "txt": "line1\nline2"}]
tasks:
  - id: escaped
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.payload | escapeChar('single') }}"
  - id: as_json
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.payload | toJson }}"
  - id: keep
    type: io.kestra.plugin.core.output.OutputValues
    values:
      raw: "{{ inputs.payload }}"
  - id: reparse
    type: io.kestra.plugin.core.log.Log
    message: "{{ fromJson(outputs.keep.values.raw)[0].name }}"
"""

PAYLOAD = [{"name": 'it\'s "quoted"', "n": 1, "ok": True, "none": None, "txt": "line1\nline2"}]
PAYLOAD_TEXT = json.dumps(PAYLOAD, separators=(",", ":"), ensure_ascii=False)
PYTHON_FORMS = ("True", "None", "{'", "['", "': ")


def compact(text: str) -> str:
    """The compact JSON text of what `text` holds, keys in the order `text` has them."""
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


async def test_json_input_through_filters(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, JSON_THROUGH_FILTER)

    assert execution.state is State.SUCCESS
    logs = await instance.logs(execution)
    [as_json] = messages(logs, "as_json")
    assert json.loads(as_json) == PAYLOAD
    assert as_json == compact(as_json)
    assert messages(logs, "escaped") == [as_json.replace("'", "\\'")]
    assert messages(logs, "reparse") == ['it\'s "quoted"']
    [keep] = execution.runs_of_task("keep")
    assert keep.outputs == {"values": {"raw": as_json}}
    for entry in logs:
        for form in PYTHON_FORMS:
            assert form not in entry.message.replace("it's", ""), entry.message


async def test_json_key_order_kept(
    instance: InstanceHarness, database_url: str, request: pytest.FixtureRequest
) -> None:
    execution = await run_checked(instance, JSON_THROUGH_FILTER)

    logs = await instance.logs(execution)
    assert messages(logs, "as_json") == [PAYLOAD_TEXT]


# A value of the input and the text it must become wherever it is interpolated.
CONVERSIONS: list[tuple[str, Any, str]] = [
    ("map", {"a": 1, "b": [True, None]}, '{"a":1,"b":[true,null]}'),
    ("list", [1, "x", 2.5], '[1,"x",2.5]'),
    ("nested", {"k": {"l": [{"m": False}]}}, '{"k":{"l":[{"m":false}]}}'),
    ("empty_map", {}, "{}"),
    ("empty_list", [], "[]"),
    ("true", True, "true"),
    ("false", False, "false"),
    ("null", None, ""),
    ("int", 1, "1"),
    ("float", 1.0, "1.0"),
    ("fraction", 0.25, "0.25"),
    ("big", 12345678901234567890, "12345678901234567890"),
    ("text", "plain", "plain"),
    ("unicode", "é日本", "é日本"),
    ("unicode_in_map", {"u": "é日本"}, '{"u":"é日本"}'),
    ("control_in_map", {"c": "a\tb\nc\u0001"}, '{"c":"a\\tb\\nc\\u0001"}'),
    ("backslash_in_map", {"p": "C:\\dir"}, '{"p":"C:\\\\dir"}'),
    ("quote_in_list", ['say "hi"'], '["say \\"hi\\""]'),
    ("floats_in_list", [1, 1.0, -0.5], "[1,1.0,-0.5]"),
    ("null_in_map", {"n": None}, '{"n":null}'),
]


def conversion_flow() -> str:
    lines = "\n".join(
        f'      - "{key}=[{{{{ inputs.p.{key} }}}}]"' for key, _, _ in CONVERSIONS
    )
    filtered = "\n".join(
        f'      - "{key}=[{{{{ inputs.p.{key} | trim }}}}]"' for key, _, _ in CONVERSIONS
    )
    return f"""
id: expr_json_conversions
namespace: qa.research
inputs:
  - id: p
    type: JSON
tasks:
  - id: interpolated
    type: io.kestra.plugin.core.log.Log
    message:
{lines}
  - id: filtered
    type: io.kestra.plugin.core.log.Log
    message:
{filtered}
  - id: keep
    type: io.kestra.plugin.core.output.OutputValues
    values:
      whole: "{{{{ inputs.p }}}}"
      as_json: "{{{{ inputs.p | toJson }}}}"
  - id: reparse
    type: io.kestra.plugin.core.output.OutputValues
    values:
      back: "{{{{ fromJson(outputs.keep.values.whole) | toJson }}}}"
      big: "{{{{ fromJson(outputs.keep.values.whole).big }}}}"
      unicode: "{{{{ fromJson(outputs.keep.values.as_json).unicode_in_map.u }}}}"
"""


async def test_text_conversion_family(instance: InstanceHarness) -> None:
    payload = {key: value for key, value, _ in CONVERSIONS}
    execution = await run_checked(instance, conversion_flow(), {"p": payload})

    assert execution.state is State.SUCCESS
    logs = await instance.logs(execution)
    expected = [f"{key}=[{text}]" for key, _, text in CONVERSIONS]
    assert messages(logs, "interpolated") == expected
    assert messages(logs, "filtered") == expected

    [keep] = execution.runs_of_task("keep")
    assert keep.outputs is not None
    whole = keep.outputs["values"]["whole"]
    assert json.loads(whole) == payload
    assert keep.outputs["values"]["as_json"] == whole
    [reparse] = execution.runs_of_task("reparse")
    assert reparse.outputs == {
        "values": {"back": whole, "big": "12345678901234567890", "unicode": "é日本"}
    }
    for entry in logs:
        for form in PYTHON_FORMS:
            assert form not in entry.message, entry.message


@pytest.mark.parametrize(
    ("value", "text"),
    [(value, text) for _, value, text in CONVERSIONS if isinstance(value, dict | list)],
)
async def test_round_trip_through_outputs(
    instance: InstanceHarness, value: Any, text: str
) -> None:
    source = """
id: expr_json_round_trip
namespace: qa.research
inputs:
  - id: p
    type: JSON
tasks:
  - id: first
    type: io.kestra.plugin.core.output.OutputValues
    values:
      raw: "{{ inputs.p }}"
  - id: second
    type: io.kestra.plugin.core.output.OutputValues
    values:
      again: "{{ fromJson(outputs.first.values.raw) }}"
outputs:
  - id: final
    type: JSON
    value: "{{ outputs.second.values.again }}"
"""
    execution = await run_checked(instance, source, {"p": value})

    assert execution.state is State.SUCCESS
    [first] = execution.runs_of_task("first")
    [second] = execution.runs_of_task("second")
    assert first.outputs == {"values": {"raw": text}}
    assert second.outputs == {"values": {"again": text}}
    assert execution.outputs == {"final": value}
