"""Run-time errors name the task, the property and the expression, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from lanner.states import State
from tests.support import InstanceHarness

CASES = {
    "syntax": (
        """
  - id: broken
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.a ( }}"
""",
        ["task 'broken'", "property 'message'", "invalid expression"],
    ),
    "if_condition": (
        """
  - id: choose
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.none.value }}"
    then:
      - id: inside
        type: io.kestra.plugin.core.log.Log
        message: never
""",
        ["task 'choose'", "property 'condition'", "outputs.none.value"],
    ),
    "switch_value": (
        """
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.missing }}"
    cases:
      a:
        - id: inside
          type: io.kestra.plugin.core.log.Log
          message: never
""",
        ["task 'route'", "property 'value'", "inputs.missing"],
    ),
    "for_each_map": (
        """
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: '{{ {"a": 1} | toJson }}'
    tasks:
      - id: inside
        type: io.kestra.plugin.core.log.Log
        message: never
""",
        ["task 'loop'", "property 'values'", 'got a map: {"a":1}'],
    ),
    "sleep_duration": (
        """
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ 'soon' }}"
""",
        ["task 'nap'", "'duration'", "invalid duration 'soon'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_error_names_property(instance: InstanceHarness, case: str) -> None:
    tasks, expected = CASES[case]
    source = f"id: messages_{case}\nnamespace: qa.messages\ntasks:{tasks}"

    execution = await instance.run(source)

    assert execution.state is State.FAILED
    errors = [entry.message for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert len(errors) == 1, errors
    for part in expected:
        assert part in errors[0]
    assert "unexpected error" not in errors[0]


TWO_BAD_OUTPUTS = """
id: two_bad_outputs
namespace: qa.messages
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: hello
outputs:
  - id: missing
    type: STRING
    value: "{{ outputs.nothing.value }}"
  - id: not_a_number
    type: INT
    value: "abc"
  - id: fine
    type: STRING
    value: "{{ outputs.hello.value }}"
"""


async def test_every_bad_output_named(instance: InstanceHarness) -> None:
    execution = await instance.run(TWO_BAD_OUTPUTS)

    assert execution.state is State.FAILED
    errors = [entry.message for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert len(errors) == 1, errors
    assert "flow output 'missing'" in errors[0]
    assert "flow output 'not_a_number'" in errors[0]
    assert "'fine'" not in errors[0]
