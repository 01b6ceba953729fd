"""The Labels task: rendered labels in `outputs.<task>.labels`, for the executor to apply."""

from __future__ import annotations

from lanner.states import State
from tests.support import InstanceHarness, only_run

FLOW = """
id: labels
namespace: company.team
inputs:
  - id: customer
    type: STRING
    defaults: acme
tasks:
  - id: by_map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      customer: "{{ inputs.customer }}"
      attempt: 3
      "{{ 'computed' }}": key
  - id: by_list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: order
        value: "{{ 40 + 2 }}"
      - key: order
        value: last wins
  - id: by_expression
    type: io.kestra.plugin.core.execution.Labels
    labels: "{{ {'from': 'expression', 'number': 7} }}"
  - id: by_json_text
    type: io.kestra.plugin.core.execution.Labels
    labels: '{{ "[{\\"key\\": \\"json\\", \\"value\\": \\"text\\"}]" }}'
"""


async def test_labels_outputs(instance: InstanceHarness) -> None:
    execution = await instance.run(FLOW)

    assert execution.state is State.SUCCESS
    assert only_run(execution, "by_map").outputs == {
        "labels": [
            {"key": "customer", "value": "acme"},
            {"key": "attempt", "value": "3"},
            {"key": "computed", "value": "key"},
        ]
    }
    assert only_run(execution, "by_list").outputs == {
        "labels": [{"key": "order", "value": "last wins"}]
    }
    assert only_run(execution, "by_expression").outputs == {
        "labels": [{"key": "from", "value": "expression"}, {"key": "number", "value": "7"}]
    }
    assert only_run(execution, "by_json_text").outputs == {
        "labels": [{"key": "json", "value": "text"}]
    }


INVALID = """
id: invalid_labels
namespace: company.team
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: system
        type: io.kestra.plugin.core.execution.Labels
        labels:
          system.readOnly: "true"
      - id: empty_key
        type: io.kestra.plugin.core.execution.Labels
        labels:
          - key: "{{ '' }}"
            value: x
      - id: null_value
        type: io.kestra.plugin.core.execution.Labels
        labels:
          missing: "{{ null }}"
      - id: not_a_map
        type: io.kestra.plugin.core.execution.Labels
        labels: "{{ [1, 2] }}"
"""


async def test_invalid_labels(instance: InstanceHarness) -> None:
    execution = await instance.run(INVALID)
    logs = await instance.logs(execution)

    errors = {entry.task_id: entry.message for entry in logs if entry.level == "ERROR"}
    assert execution.state is State.FAILED
    assert (
        "invalid label 'system.readOnly': system labels are set by Lanner only"
        in (errors["system"])
    )
    assert "a label has an empty key" in errors["empty_key"]
    assert "label 'missing' has no value" in errors["null_value"]
    assert (
        "expected a map of label keys to values or a list of {key, value}" in (errors["not_a_map"])
    )


APPLIED = """
id: applied
namespace: company.team
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: loaded
  - id: overwrite
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: stage
        value: "{{ labels.stage }}-checked"
  - id: read
    type: io.kestra.plugin.core.log.Log
    message: "stage is {{ labels.stage }}"
"""


async def test_labels_applied(instance: InstanceHarness) -> None:
    execution = await instance.run(APPLIED)
    logs = await instance.logs(execution)

    assert execution.state is State.SUCCESS
    assert {"key": "stage", "value": "loaded-checked"} in execution.labels
    assert [entry.message for entry in logs if entry.task_id == "read"] == [
        "stage is loaded-checked"
    ]
