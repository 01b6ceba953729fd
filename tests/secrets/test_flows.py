"""secret() in flows run end to end: values reach the task, logs and outputs show the mask."""

from __future__ import annotations

import base64

import pytest

from lanner.secrets import MASK
from lanner.states import State
from tests.support import InstanceHarness, only_run

PASSWORD = "s3cr3t-pa55"

FLOW = """
id: secrets
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "password is {{ secret('DB_PASSWORD') }}, length {{ secret('DB_PASSWORD') | length }}"
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      connection: "postgres://app:{{ secret('db_password') }}@db"
      nested:
        - "{{ secret('DB_PASSWORD') }}"
      "{{ secret('DB_PASSWORD') }}": key
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PASSWORD: "{{ secret('DB_PASSWORD') }}"
    commands:
      - echo "from the shell $PASSWORD"
      - echo '::{"outputs":{"echoed":"'"$PASSWORD"'"}}::'
  - id: uses
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.script.vars.echoed }}"
"""


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_DB_PASSWORD", base64.b64encode(PASSWORD.encode()).decode())


async def test_secret_masked(instance: InstanceHarness) -> None:
    execution = await instance.run(FLOW)
    logs = await instance.logs(execution)

    assert execution.state is State.SUCCESS
    messages = {entry.task_id: [] for entry in logs}
    for entry in logs:
        messages[entry.task_id].append(entry.message)
    assert messages["log"] == [f"password is {MASK}, length {len(PASSWORD)}"]
    assert f"from the shell {MASK}" in messages["script"]
    assert all(PASSWORD not in entry.message for entry in logs)
    assert only_run(execution, "values").outputs == {
        "values": {
            "connection": f"postgres://app:{MASK}@db",
            "nested": [MASK],
            MASK: "key",
        }
    }
    assert only_run(execution, "script").outputs["vars"] == {"echoed": MASK}
    # The output was masked before any other task could read it.
    assert messages["uses"] == [MASK]


MISSING = """
id: missing
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('NOT_SET') }}"
"""


async def test_missing_secret_fails(instance: InstanceHarness) -> None:
    execution = await instance.run(MISSING)
    logs = await instance.logs(execution)

    assert execution.state is State.FAILED
    errors = [entry.message for entry in logs if entry.level == "ERROR"]
    assert len(errors) == 1
    assert "property 'message' of task 'log'" in errors[0]
    assert "secret 'NOT_SET' not found" in errors[0]
    assert "SECRET_NOT_SET" in errors[0]


FAILING = """
id: failing
namespace: company.team
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "could not log in with {{ secret('DB_PASSWORD') }}"
"""


async def test_error_message_masked(instance: InstanceHarness) -> None:
    execution = await instance.run(FAILING)
    logs = await instance.logs(execution)

    assert execution.state is State.FAILED
    assert [entry.message for entry in logs if entry.level == "ERROR"] == [
        f"could not log in with {MASK}"
    ]
