"""`??` on inputs that were not provided, and undefined values in each kind of context.

Decisions tested here: filters bind tighter than `??`, so `a ?? now() | date(...)` formats the
fallback only. A null input renders as empty text. An empty text supplied for an input whose
type is not text is rejected when the execution is created, naming the input. Reading an
undefined value fails the task (or, in a flow output, the execution) with a message naming it,
unless `??` or `???` gives a fallback.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from lanner.errors import InvalidInputs
from lanner.states import State
from tests.cases.support import messages, run_checked
from tests.support import InstanceHarness

COALESCE_DATE = """
id: expr_coalesce_optional_date
namespace: qa.research
inputs:
  - id: end_date
    type: DATE
    required: false
  - id: label
    type: STRING
    required: false
    defaults: ""
tasks:
  - id: with_parens
    type: io.kestra.plugin.core.log.Log
    message: "run for {{ inputs.end_date ?? (now() | date('yyyy-MM-dd')) }}"
  - id: without_parens
    type: io.kestra.plugin.core.log.Log
    message: "run for {{ inputs.end_date ?? now() | date('yyyy-MM-dd') }}"
  - id: bare
    type: io.kestra.plugin.core.log.Log
    message: "end=[{{ inputs.end_date }}] label=[{{ inputs.label ?? 'none' }}]"
"""


def _today_candidates() -> set[str]:
    """Today's date in UTC and in local time: a run near midnight may see either side."""
    return {datetime.now(UTC).date().isoformat(), date.today().isoformat()}


async def test_coalesce_falls_back_to_today(instance: InstanceHarness) -> None:
    before = _today_candidates()
    execution = await run_checked(instance, COALESCE_DATE)
    after = _today_candidates()

    assert execution.state is State.SUCCESS
    logs = await instance.logs(execution)
    for task_id in ("with_parens", "without_parens"):
        [message] = messages(logs, task_id)
        assert message in {f"run for {day}" for day in before | after}, task_id
    assert messages(logs, "bare") == ["end=[] label=[]"]


async def test_coalesce_keeps_given_date(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, COALESCE_DATE, {"end_date": "2024-01-31"})

    assert execution.state is State.SUCCESS
    logs = await instance.logs(execution)
    assert messages(logs, "with_parens") == ["run for 2024-01-31"]
    assert messages(logs, "without_parens") == ["run for 2024-01-31"]
    assert messages(logs, "bare") == ["end=[2024-01-31] label=[]"]


async def test_coalesce_keeps_given_label(instance: InstanceHarness) -> None:
    execution = await run_checked(instance, COALESCE_DATE, {"label": "nightly"})

    logs = await instance.logs(execution)
    assert messages(logs, "bare") == ["end=[] label=[nightly]"]


# Input type, its extra properties, and a valid value with how it renders.
INPUT_TYPES: list[tuple[str, str, Any, str]] = [
    ("STRING", "", "text", "text"),
    ("INT", "", 42, "42"),
    ("FLOAT", "", 1.5, "1.5"),
    ("BOOLEAN", "", True, "true"),
    ("DATE", "", "2024-01-31", "2024-01-31"),
    ("DATETIME", "", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
    ("TIME", "", "10:15:30", "10:15:30"),
    ("DURATION", "", "PT5M", "PT5M"),
    ("JSON", "", '{"k": 1}', '{"k":1}'),
    ("YAML", "", "k: 1", '{"k":1}'),
    ("URI", "", "https://example.com/a", "https://example.com/a"),
    ("EMAIL", "", "a@example.com", "a@example.com"),
    ("SELECT", "values: [a, b]", "a", "a"),
    ("ENUM", "values: [a, b]", "b", "b"),
    ("MULTISELECT", "values: [a, b]", ["a"], '["a"]'),
    ("ARRAY", "itemType: STRING", ["x"], '["x"]'),
]
# Types whose values are text, where an empty text is a value like any other.
TEXT_TYPES = {"STRING", "EMAIL"}


def optional_flow(input_type: str, extra: str) -> str:
    return f"""
id: optional_{input_type.lower()}
namespace: qa.research
inputs:
  - id: x
    type: {input_type}
    required: false
    {extra}
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "[{{{{ inputs.x ?? 'fallback' }}}}] [{{{{ inputs.x ??? 'undefined' }}}}]"
"""


@pytest.mark.parametrize(("input_type", "extra", "value", "shown"), INPUT_TYPES)
@pytest.mark.parametrize("supplied", ("absent", "null", "empty", "value"))
async def test_optional_input_fallback(
    instance: InstanceHarness,
    input_type: str,
    extra: str,
    value: Any,
    shown: str,
    supplied: str,
) -> None:
    inputs = {"absent": {}, "null": {"x": None}, "empty": {"x": ""}, "value": {"x": value}}
    source = optional_flow(input_type, extra)
    if supplied == "empty" and input_type not in TEXT_TYPES:
        with pytest.raises(InvalidInputs) as raised:
            await instance.run(source, inputs[supplied])
        assert "'x'" in str(raised.value)
        return

    execution = await run_checked(instance, source, inputs[supplied])

    assert execution.state is State.SUCCESS
    expected = {
        "absent": "[fallback] []",
        "null": "[fallback] []",
        "empty": "[] []",
        "value": f"[{shown}] [{shown}]",
    }[supplied]
    assert messages(await instance.logs(execution), "show") == [expected]


SKIPPED_BRANCH = """
id: expr_skipped_branch_outputs
namespace: qa.research
tasks:
  - id: choose
    type: io.kestra.plugin.core.flow.If
    condition: "{{ false }}"
    then:
      - id: skipped_task
        type: io.kestra.plugin.core.output.OutputValues
        values:
          x: "made"
  - id: reader
    type: io.kestra.plugin.core.log.Log
    message: "{{ READ }}"
"""


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        pytest.param("outputs.skipped_task.values.x ?? 'none'", "none", id="coalesce"),
        pytest.param("outputs.skipped_task.values.x ??? 'none'", "none", id="undefined-only"),
        pytest.param("outputs.skipped_task is defined", "false", id="is-defined"),
    ],
)
async def test_untaken_branch_fallback(
    instance: InstanceHarness, read: str, expected: str
) -> None:
    execution = await run_checked(instance, SKIPPED_BRANCH.replace("READ", read))

    assert execution.state is State.SUCCESS
    assert messages(await instance.logs(execution), "reader") == [expected]


async def test_untaken_branch_strict_in_task(instance: InstanceHarness) -> None:
    source = SKIPPED_BRANCH.replace("READ", "outputs.skipped_task.values.x")
    execution = await run_checked(instance, source)

    assert execution.state is State.FAILED
    [reader] = execution.runs_of_task("reader")
    assert reader.state is State.FAILED
    errors = [entry.message for entry in await instance.logs(execution)
              if entry.task_id == "reader" and entry.level == "ERROR"]
    assert len(errors) == 1
    assert "skipped_task" in errors[0]


@pytest.mark.parametrize(
    ("value", "state", "outputs"),
    [
        pytest.param("{{ outputs.skipped_task.values.x }}", State.FAILED, None, id="strict"),
        pytest.param("{{ outputs.skipped_task.values.x ?? 'none' }}", State.SUCCESS,
                     {"result": "none"}, id="coalesce"),
    ],
)
async def test_untaken_branch_in_flow_output(
    instance: InstanceHarness, value: str, state: State, outputs: dict[str, str] | None
) -> None:
    source = SKIPPED_BRANCH.replace("READ", "'reader'") + f"""
outputs:
  - id: result
    type: STRING
    value: "{value}"
"""
    execution = await run_checked(instance, source)

    assert execution.state is state
    assert execution.outputs == outputs
    if state is State.FAILED:
        [reader] = execution.runs_of_task("reader")
        assert reader.state is State.SUCCESS
        errors = [entry.message for entry in await instance.logs(execution)
                  if entry.level == "ERROR"]
        assert len(errors) == 1
        assert "'result'" in errors[0]
        assert "skipped_task" in errors[0]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inputs.x ?? 'a' | upper }}", "A"),
        ("{{ (inputs.x ?? 'a') | upper }}", "A"),
        ("{{ inputs.y ?? 'a' | upper }}", "given"),
        ("{{ inputs.x ?? 'n' ~ 'x' }}", "nx"),
        ("{{ inputs.x ?? false ? 'yes' : 'no' }}", "no"),
        ("{{ inputs.y ?? false ? 'yes' : 'no' }}", "yes"),
        ("{{ true ? inputs.x ?? 'fallback' : 'no' }}", "fallback"),
        ("{{ inputs.x ??? 'undefined' }}", ""),
        ("{{ inputs.missing ??? 'undefined' }}", "undefined"),
        ("{{ inputs.missing ?? inputs.x ?? 'third' }}", "third"),
    ],
)
async def test_coalesce_precedence(
    instance: InstanceHarness, template: str, expected: str
) -> None:
    source = f"""
id: expr_coalesce_precedence
namespace: qa.research
inputs:
  - id: x
    type: STRING
    required: false
  - id: y
    type: STRING
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{template}"
"""
    execution = await run_checked(instance, source, {"y": "given"})

    assert execution.state is State.SUCCESS
    assert messages(await instance.logs(execution), "show") == [expected]
