"""Tasks that act on their execution: ForEachItem, Exit and Labels."""

from __future__ import annotations

import json

import pytest

from lanner.flows.inputs import UploadedFile
from lanner.states import State
from lanner.storage import key_from_uri
from tests.control.helpers import one
from tests.support import InstanceHarness

ITEMS_CHILD = """
id: items_child
namespace: qa.items
inputs:
  - id: data
    type: FILE
  - id: number
    type: INT
outputs:
  - id: batch
    type: STRING
    value: "{{ inputs.number }}:{{ inputs.data }}"
tasks:
  - id: fail_third
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.number == 2 and inputs.fail_third ?? false }}"
"""

ITEMS_PARENT = """
id: items_parent
namespace: qa.items
inputs:
  - id: items
    type: FILE
tasks:
  - id: each_batch
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.items }}"
    batch:
      rows: 2
    namespace: qa.items
    flowId: items_child
    inputs:
      data: "{{ taskrun.items }}"
      number: "{{ taskrun.iteration }}"
"""


async def test_for_each_item_batches(instance: InstanceHarness) -> None:
    await instance.deploy(ITEMS_CHILD)
    lines = "".join(f"item {number}\n" for number in range(5))
    finished = await instance.run(
        ITEMS_PARENT, files={"items": UploadedFile("items.txt", lines.encode())}
    )

    assert finished.state is State.SUCCESS
    task_run = one(finished, "each_batch")
    assert task_run.state is State.SUCCESS
    outputs = task_run.outputs or {}
    assert outputs["numberOfBatches"] == 3
    assert outputs["iterations"] == {"SUCCESS": 3}
    storage = instance.instance.storage
    merged = (await storage.get(key_from_uri(outputs["subflowOutputs"]))).decode()
    rows = [json.loads(line) for line in merged.splitlines()]
    assert [row["batch"].split(":")[0] for row in rows] == ["0", "1", "2"]
    batch_files = [row["batch"].split(":", 1)[1] for row in rows]
    contents = [(await storage.get(key_from_uri(uri))).decode() for uri in batch_files]
    assert contents == ["item 0\nitem 1\n", "item 2\nitem 3\n", "item 4\n"]
    backend = instance.instance.backend
    async with backend.db.transaction(write=False) as connection:
        children, total = await backend.executions.search(connection, flow_id="items_child")
    assert total == 3
    assert {child.parent["executionId"] for child in children if child.parent} == {finished.id}


READING_CHILD = """
id: reading_child
namespace: qa.items
inputs:
  - id: order
    type: STRING
outputs:
  - id: content
    type: STRING
    value: "{{ outputs.show.value }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.order) | trim }}"
"""

READING_PARENT = """
id: reading_parent
namespace: qa.items
inputs:
  - id: items
    type: FILE
tasks:
  - id: each_order
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.items }}"
    batch:
      rows: 1
    namespace: qa.items
    flowId: reading_child
    inputs:
      order: "{{ taskrun.items }}"
"""


async def test_for_each_item_child_reads_batch(instance: InstanceHarness) -> None:
    await instance.deploy(READING_CHILD)
    finished = await instance.run(
        READING_PARENT, files={"items": UploadedFile("orders.txt", b"order-1\norder-2\n")}
    )

    assert finished.state is State.SUCCESS
    backend = instance.instance.backend
    async with backend.db.transaction(write=False) as connection:
        children, total = await backend.executions.search(connection, flow_id="reading_child")
    assert total == 2
    assert sorted((child.outputs or {}).get("content") for child in children) == [
        "order-1",
        "order-2",
    ]
    for child in children:
        assert child.trigger is not None
        assert child.trigger["executionId"] == finished.id


async def test_child_cannot_read_unrelated_execution(instance: InstanceHarness) -> None:
    await instance.deploy(READING_CHILD)
    unrelated = await instance.run(
        READING_PARENT, files={"items": UploadedFile("orders.txt", b"order-1\n")}
    )
    uri = unrelated.inputs["items"]

    finished = await instance.run(READING_CHILD, inputs={"order": uri})

    assert finished.state is State.FAILED
    messages = " ".join(entry.message for entry in await instance.logs(finished))
    assert "only files of the current execution" in messages


@pytest.mark.parametrize(
    ("exit_state", "expected"),
    [("SUCCESS", State.SUCCESS), ("WARNING", State.WARNING), ("FAILED", State.FAILED),
     ("KILLED", State.KILLED), ("CANCELED", State.CANCELLED)],
)
async def test_exit_ends_execution(
    instance: InstanceHarness, exit_state: str, expected: State
) -> None:
    finished = await instance.run(f"""
id: exit_{exit_state.lower()}
namespace: qa.exit
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: long_nap
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT60S
      - id: leave
        type: io.kestra.plugin.core.execution.Exit
        state: {exit_state}
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
""")

    assert finished.state is expected
    assert one(finished, "leave").state is State.SUCCESS
    assert one(finished, "long_nap").state is State.KILLED
    assert finished.runs_of_task("never") == []


async def test_labels_task_sets_labels(instance: InstanceHarness) -> None:
    finished = await instance.run("""
id: labelled
namespace: qa.labels
labels:
  team: data
tasks:
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels:
      team: platform
      run: "{{ 40 + 2 }}"
""")

    assert finished.state is State.SUCCESS
    assert {label["key"]: label["value"] for label in finished.labels} == {
        "team": "platform", "run": "42"
    }


async def test_secret_in_flowable_condition(
    instance: InstanceHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_GATE", "b3Blbg==")  # base64 of "open"
    finished = await instance.run("""
id: secret_gate
namespace: qa.secrets
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.If
    condition: "{{ secret('GATE') == 'open' }}"
    then:
      - id: through
        type: io.kestra.plugin.core.log.Log
        message: passed
""")

    assert finished.state is State.SUCCESS
    assert one(finished, "through").state is State.SUCCESS
