"""JSON values passed to scripts through env, inputFiles and command lines stay valid JSON."""

from __future__ import annotations

import json
from typing import Any

from lanner.states import State
from tests.scripts.support import TIMEOUT
from tests.support import InstanceHarness, only_run

PAYLOAD: dict[str, Any] = {
    "map": {"nested": {"deeper": {"list": [{"a": 1}, [], {}]}}},
    "numbers": [1, 2.0, -3, 1e300, 0.1, 12345678901234567890],
    "booleans": [True, False],
    "nothing": None,
    "unicode": "héllo wörld ✓ 日本語 🎉",
    "control": "tab\tnewline\ncarriage\rbell\x07escape\x1bnul\x00end",
    "backslashes": "C:\\path\\to\\file \\\\ \\n is not a newline",
    "quotes": 'say "hi"',
    "empty": "",
}

FLOW = """
id: json_values
namespace: qa.scripts
inputs:
  - id: payload
    type: JSON
tasks:
  - id: check
    type: io.kestra.plugin.scripts.python.Commands
    env:
      PAYLOAD: "{{ inputs.payload }}"
    inputFiles:
      payload.json: "{{ inputs.payload }}"
      check.py: |
        import json, os, sys
        import lanner_helpers
        found = {"env": json.loads(os.environ["PAYLOAD"])}
        with open("payload.json", encoding="utf-8") as file:
            found["file"] = json.load(file)
        if len(sys.argv) > 1:
            found["argv"] = json.loads(sys.argv[1])
        if isinstance(found["env"], dict) and "numbers" in found["env"]:
            found["types"] = [type(number).__name__ for number in found["env"]["numbers"]]
        lanner_helpers.outputs(found)
    commands:
      - COMMAND
"""


async def run_payload(instance: InstanceHarness, payload: Any, command: str) -> dict[str, Any]:
    source = FLOW.replace("COMMAND", command)
    flows = await instance.instance.flows.deploy_text(source)
    created = await instance.instance.executions.create(
        flows[0].namespace, flows[0].id, {"payload": json.dumps(payload)}, {}
    )
    execution = await instance.instance.executions.wait_until_finished(created.id, TIMEOUT)
    check = only_run(execution, "check")
    assert execution.state is State.SUCCESS, await instance.logs(execution)
    assert check.outputs is not None
    found: dict[str, Any] = check.outputs["vars"]
    return found


async def test_json_through_env_files_and_argv(instance: InstanceHarness) -> None:
    found = await run_payload(instance, PAYLOAD, "python3 check.py '{{ inputs.payload }}'")

    assert found["env"] == PAYLOAD
    assert found["file"] == PAYLOAD
    assert found["argv"] == PAYLOAD
    assert found["types"] == ["int", "float", "int", "float", "float", "int"]


async def test_json_with_apostrophes(instance: InstanceHarness) -> None:
    payload = {"text": "it's", "list": ["'quoted'", "\\'"]}

    found = await run_payload(instance, payload, "python3 check.py")

    assert found["env"] == payload
    assert found["file"] == payload
    assert "argv" not in found


async def test_json_list_and_scalars(instance: InstanceHarness) -> None:
    payload = [1, "two", None, False, {"three": 3.5}]

    found = await run_payload(instance, payload, "python3 check.py '{{ inputs.payload }}'")

    assert found == {"env": payload, "file": payload, "argv": payload}
