"""Input defaults are checked against their own type and rules when the flow is saved.

A default that is an expression can only be checked when an execution is created: then the
creation fails with a client error listing every bad input, and no execution exists.
"""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import InvalidFlow, InvalidInputs
from lanner.states import State
from tests.cases.support import messages, run_checked
from tests.support import InstanceHarness

BAD_DEFAULTS = """
id: inputs_bad_defaults
namespace: qa.research
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
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.color }} {{ inputs.retries }} {{ inputs.when }} {{ inputs.code }}"
"""

GOOD_DEFAULTS = (
    BAD_DEFAULTS.replace("defaults: purple", "defaults: green")
    .replace('defaults: "three"', "defaults: 3")
    .replace('"2024-13-45T99:00:00Z"', '"2024-01-31T10:00:00Z"')
    .replace('defaults: "ab"', 'defaults: "ABC"')
    .replace("inputs_bad_defaults", "inputs_good_defaults")
)


async def _executions(instance: InstanceHarness, flow_id: str) -> int:
    backend = instance.instance.backend
    async with backend.db.transaction(write=False) as connection:
        _, total = await backend.executions.search(connection, flow_id=flow_id)
    return total


async def test_bad_defaults_rejected(instance: InstanceHarness) -> None:
    with pytest.raises(InvalidFlow) as raised:
        await instance.deploy(BAD_DEFAULTS)

    problems = [problem.format() for problem in raised.value.problems]
    assert len(problems) == 4, problems
    expected = {
        "color": "not in values",
        "retries": "not an integer",
        "when": "invalid date-time",
        "code": "does not match",
    }
    for input_id, rule in expected.items():
        found = [text for text in problems if f"'{input_id}'" in text]
        assert len(found) == 1, (input_id, problems)
        assert rule in found[0]
        assert "defaults" in found[0]


async def test_good_defaults_run(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, GOOD_DEFAULTS)

    assert execution.state is State.SUCCESS
    logs = await instance.logs(execution)
    assert messages(logs, "echo") == ["green 3 2024-01-31T10:00:00Z ABC"]


def one_input(input_type: str, extra: str, default: str, flow_id: str = "input_default") -> str:
    return f"""
id: {flow_id}
namespace: qa.research
inputs:
  - id: x
    type: {input_type}
    {extra}
    defaults: {default}
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "[{{{{ inputs.x }}}}]"
"""


# type, extra properties, default, the rule its error names (None: valid) and how it renders.
DEFAULT_TABLE: list[tuple[str, str, str, str | None, str]] = [
    ("STRING", "", "hello", None, "hello"),
    ("STRING", "validator: '^[a-z]+$'", "Hello", "does not match", ""),
    ("STRING", "required: false", "null", None, ""),
    ("INT", "", "3", None, "3"),
    ("INT", "", '"three"', "not an integer", ""),
    ("INT", "", '"1.0"', "not an integer", ""),
    ("INT", "min: 0\n    max: 5", "7", "greater than max", ""),
    ("INT", "min: 0\n    max: 5", "-1", "less than min", ""),
    ("FLOAT", "", "1.5", None, "1.5"),
    ("FLOAT", "", '"abc"', "not a number", ""),
    ("FLOAT", "max: 1", "1.5", "greater than max", ""),
    ("BOOLEAN", "", "true", None, "true"),
    ("BOOLEAN", "", '"yes"', "not a boolean", ""),
    ("DATE", "", '"2024-01-31"', None, "2024-01-31"),
    ("DATE", "", '"2024-02-30"', "invalid date", ""),
    ("DATE", "after: 2024-01-01", '"2023-01-01"', "earlier than after", ""),
    ("DATETIME", "", '"2024-01-31T10:00:00Z"', None, "2024-01-31T10:00:00Z"),
    ("DATETIME", "", '"2024-01-31T10:00:00"', "no offset", ""),
    ("TIME", "", '"10:15:30"', None, "10:15:30"),
    ("TIME", "", '"25:00:00"', "invalid time", ""),
    ("DURATION", "", "PT5M", None, "PT5M"),
    ("DURATION", "", '"5 minutes"', "invalid duration", ""),
    ("DURATION", "max: PT1H", "PT2H", "greater than max", ""),
    ("SELECT", "values: [a, b]", "a", None, "a"),
    ("SELECT", "values: [a, b]", "c", "not in values", ""),
    ("ENUM", "values: [a, b]", "c", "not in values", ""),
    ("MULTISELECT", "values: [a, b]", "[a]", None, '["a"]'),
    ("MULTISELECT", "values: [a, b]", "[c]", "not in values", ""),
    ("ARRAY", "itemType: INT", "[1, 2]", None, "[1,2]"),
    ("ARRAY", "itemType: INT", '["x"]', "not an integer", ""),
    ("JSON", "", "'{\"k\": 1}'", None, '{"k":1}'),
    ("JSON", "", '"{bad"', "not valid JSON", ""),
    ("URI", "", "https://example.com", None, "https://example.com"),
    ("URI", "", "nope", "not a valid URI", ""),
    ("EMAIL", "", "a@example.com", None, "a@example.com"),
    ("EMAIL", "", "nope", "not a valid email", ""),
]


@pytest.mark.parametrize(("input_type", "extra", "default", "rule", "shown"), DEFAULT_TABLE)
async def test_default_checked_on_save(
    instance: InstanceHarness,
    input_type: str,
    extra: str,
    default: str,
    rule: str | None,
    shown: str,
) -> None:
    source = one_input(input_type, extra, default)
    if rule is not None:
        with pytest.raises(InvalidFlow) as raised:
            await instance.deploy(source)
        problems = [problem.format() for problem in raised.value.problems]
        assert len(problems) == 1, problems
        assert "'x'" in problems[0]
        assert rule in problems[0]
        return

    execution = await run_checked(instance, source)
    assert execution.state is State.SUCCESS
    assert messages(await instance.logs(execution), "echo") == [f"[{shown}]"]


@pytest.mark.parametrize(
    ("input_type", "extra", "default", "value_text"),
    [
        pytest.param("INT", "", '"three"', "'three'", id="int"),
        pytest.param("SELECT", "values: [a]", "b", "'b'", id="select"),
        pytest.param("JSON", "", '"{bad"', "'{bad'", id="json"),
        pytest.param(
            "STRING", "validator: '^z$'", "'x: y'", "'x: y'", id="string-with-colon",
        ),
        pytest.param(
            "YAML", "", "'a: [b'", "'a: [b'", id="yaml",
        ),
    ],
)
async def test_bad_default_shown_verbatim(
    instance: InstanceHarness, input_type: str, extra: str, default: str, value_text: str
) -> None:
    with pytest.raises(InvalidFlow) as raised:
        await instance.deploy(one_input(input_type, extra, default))

    [problem] = [problem.format() for problem in raised.value.problems]
    assert value_text in problem


EXPRESSION_DEFAULTS = """
id: inputs_expression_defaults
namespace: qa.research
inputs:
  - id: count
    type: INT
    defaults: "{{ 'three' }}"
  - id: color
    type: SELECT
    values: [red, green]
    defaults: "{{ 'purple' }}"
  - id: fine
    type: STRING
    defaults: "{{ 'ok' }}"
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }}"
"""


async def test_expression_defaults_checked_on_run(instance: InstanceHarness) -> None:
    await instance.deploy(EXPRESSION_DEFAULTS)

    with pytest.raises(InvalidInputs) as raised:
        await instance.run(EXPRESSION_DEFAULTS)

    text = str(raised.value)
    assert len(raised.value.problems) == 2, text
    assert "'count'" in text
    assert "not an integer" in text
    assert "'color'" in text
    assert "not in values" in text
    assert "'fine'" not in text
    assert await _executions(instance, "inputs_expression_defaults") == 0


async def test_expression_default_overridden(instance: InstanceHarness) -> None:
    execution = await run_checked(
        instance, EXPRESSION_DEFAULTS, {"count": 4, "color": "green"}
    )

    assert execution.state is State.SUCCESS
    assert execution.inputs == {"count": 4, "color": "green", "fine": "ok"}


@pytest.mark.parametrize(
    ("inputs_yaml", "expected"),
    [
        pytest.param(
            """
  - id: a
    type: INT
    defaults: 2
  - id: x
    type: INT
    defaults: "{{ inputs.a * 2 }}"
    dependsOn:
      inputs: [a]""",
            "4",
            id="with-depends-on",
        ),
        pytest.param(
            """
  - id: a
    type: INT
    defaults: 2
  - id: x
    type: INT
    defaults: "{{ inputs.a * 2 }}\"""",
            "4",
            id="declared-before",
        ),
        pytest.param(
            """
  - id: x
    type: INT
    defaults: "{{ inputs.a * 2 }}"
    dependsOn:
      inputs: [a]
  - id: a
    type: INT
    defaults: 3""",
            "6",
            id="declared-after-with-depends-on",
        ),
    ],
)
async def test_default_from_other_input(
    instance: InstanceHarness, inputs_yaml: str, expected: str
) -> None:
    source = f"""
id: inputs_dependent_default
namespace: qa.research
inputs:{inputs_yaml}
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "[{{{{ inputs.x }}}}]"
"""
    execution = await run_checked(instance, source)

    assert execution.state is State.SUCCESS
    assert messages(await instance.logs(execution), "echo") == [f"[{expected}]"]


async def test_default_from_later_input_fails(instance: InstanceHarness) -> None:
    source = """
id: inputs_undeclared_dependency
namespace: qa.research
inputs:
  - id: x
    type: INT
    defaults: "{{ inputs.a * 2 }}"
  - id: a
    type: INT
    defaults: 3
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.x }}"
"""
    with pytest.raises(InvalidInputs) as raised:
        await instance.run(source)

    assert "'x'" in str(raised.value)
    assert "inputs.a" in str(raised.value)
    assert await _executions(instance, "inputs_undeclared_dependency") == 0


@pytest.mark.parametrize(
    ("supplied", "state", "shown"),
    [
        pytest.param({}, State.SUCCESS, "3", id="default"),
        pytest.param({"x": 5}, State.SUCCESS, "5", id="override"),
        pytest.param({"x": "4"}, State.SUCCESS, "4", id="override-text"),
        pytest.param({"x": 9}, None, "greater than max", id="override-out-of-range"),
        pytest.param({"x": "1.0"}, None, "not an integer", id="override-not-whole"),
    ],
)
@pytest.mark.parametrize("required", (True, False))
async def test_supplied_value_overrides(
    instance: InstanceHarness,
    supplied: dict[str, Any],
    state: State | None,
    shown: str,
    required: bool,
) -> None:
    source = one_input("INT", f"required: {str(required).lower()}\n    min: 0\n    max: 5", "3")
    if state is None:
        with pytest.raises(InvalidInputs) as raised:
            await instance.run(source, supplied)
        assert "'x'" in str(raised.value)
        assert shown in str(raised.value)
        assert await _executions(instance, "input_default") == 0
        return

    execution = await run_checked(instance, source, supplied)
    assert execution.state is state
    assert messages(await instance.logs(execution), "echo") == [f"[{shown}]"]


@pytest.mark.parametrize(
    ("input_type", "value", "rule"),
    [
        pytest.param("INT", "1.0", "not an integer", id="int-from-decimal-text"),
        pytest.param("BOOLEAN", "yes", "not a boolean", id="boolean-from-yes"),
        pytest.param("DATETIME", "2024-01-31T10:00:00", "no offset", id="datetime-no-offset"),
        pytest.param("DURATION", "5 minutes", "invalid duration", id="duration-not-iso"),
    ],
)
async def test_supplied_value_coercion(
    instance: InstanceHarness, input_type: str, value: str, rule: str
) -> None:
    source = one_input(input_type, "required: false", "null", "input_coercion")
    with pytest.raises(InvalidInputs) as raised:
        await instance.run(source, {"x": value})

    assert "'x'" in str(raised.value)
    assert rule in str(raised.value)
    assert await _executions(instance, "input_coercion") == 0
