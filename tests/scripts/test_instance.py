"""Script tasks on a running instance, on both backends: retries, kills, timeouts, logs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lanner.states import State
from tests.scripts.support import TIMEOUT, live_processes, logged_line, process_alive
from tests.support import InstanceHarness, only_run

RETRY_FLOW = """
id: retry_second_attempt_succeeds
namespace: qa.research
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    retry:
      type: constant
      interval: PT1S
      maxAttempts: {max_attempts}
    commands:
      - test "{{{{ taskrun.attemptsCount }}}}" -ge 1
"""

LONG_SLEEP = """
id: long_sleep
namespace: qa.scripts
tasks:
  - id: sleeper
    type: io.kestra.plugin.scripts.shell.Commands
{extra}
    commands:
      - echo "group $$"
      - sleep 300 &
      - echo "child $!"
      - sleep 300
"""


async def test_retry_second_attempt_succeeds(instance: InstanceHarness) -> None:
    execution = await instance.run(RETRY_FLOW.format(max_attempts=2), timeout=TIMEOUT)

    flaky = only_run(execution, "flaky")
    assert execution.state is State.SUCCESS
    assert flaky.state is State.SUCCESS
    assert [attempt.state for attempt in flaky.attempts] == [State.FAILED, State.SUCCESS]
    assert flaky.outputs == {"vars": {}, "exitCode": 0, "outputFiles": {}}


async def test_retry_single_attempt_fails(instance: InstanceHarness) -> None:
    execution = await instance.run(RETRY_FLOW.format(max_attempts=1), timeout=TIMEOUT)

    flaky = only_run(execution, "flaky")
    assert execution.state is State.FAILED
    assert [attempt.state for attempt in flaky.attempts] == [State.FAILED]
    assert flaky.outputs is not None
    assert flaky.outputs["exitCode"] == 1
    errors = [entry.message for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert any("exited with code 1" in message for message in errors)


async def test_outputs_and_metrics_stored(instance: InstanceHarness) -> None:
    source = """
id: outputs_and_metrics
namespace: qa.scripts
tasks:
  - id: produce
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["result.txt"]
    commands:
      - echo done > result.txt
      - echo '::{"outputs":{"count":3,"names":["a","b"]}}::'
      - echo '::{"metrics":[{"name":"rows","type":"counter","value":3}]}::'
  - id: consume
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "count={{ outputs.produce.vars.count }}"
      - cat {{ outputs.produce.outputFiles['result.txt'] }}
"""
    execution = await instance.run(source, timeout=TIMEOUT)

    produce = only_run(execution, "produce")
    assert execution.state is State.SUCCESS
    assert produce.outputs is not None
    assert produce.outputs["vars"] == {"count": 3, "names": ["a", "b"]}
    assert produce.attempts[-1].metrics == [
        {"name": "rows", "type": "counter", "value": 3.0, "tags": {}}
    ]
    consume_id = only_run(execution, "consume").id
    logged = [e.message for e in await instance.logs(execution) if e.task_run_id == consume_id]
    assert logged == ["count=3", "done"]


async def test_kill_stops_processes(instance: InstanceHarness) -> None:
    flow = await instance.instance.flows.deploy_text(LONG_SLEEP.format(extra=""))
    created = await instance.instance.executions.create(flow[0].namespace, flow[0].id, {}, {})
    group = int((await logged_line(instance, created.id, "group ")).message.split()[1])
    child = int((await logged_line(instance, created.id, "child ")).message.split()[1])
    assert live_processes(group)

    await instance.instance.executions.kill(created.id)
    execution = await instance.instance.executions.wait_until_finished(created.id, TIMEOUT)

    assert execution.state is State.KILLED
    assert only_run(execution, "sleeper").state is State.KILLED
    assert live_processes(group) == []
    assert not process_alive(child)


async def test_timeout_stops_processes(instance: InstanceHarness) -> None:
    flow = await instance.instance.flows.deploy_text(LONG_SLEEP.format(extra="    timeout: PT2S"))
    created = await instance.instance.executions.create(flow[0].namespace, flow[0].id, {}, {})
    group = int((await logged_line(instance, created.id, "group ")).message.split()[1])
    child = int((await logged_line(instance, created.id, "child ")).message.split()[1])

    execution = await instance.instance.executions.wait_until_finished(created.id, TIMEOUT)

    assert execution.state is State.FAILED
    assert live_processes(group) == []
    assert not process_alive(child)
    errors = [entry.message for entry in await instance.logs(execution) if entry.level == "ERROR"]
    assert any("timed out" in message for message in errors)


async def test_worker_shutdown_stops_processes(database_url: str, tmp_path: Path) -> None:
    harness = InstanceHarness(database_url, tmp_path, worker={"shutdown_timeout": 0.5})
    await harness.start()
    try:
        flow = await harness.instance.flows.deploy_text(LONG_SLEEP.format(extra=""))
        created = await harness.instance.executions.create(flow[0].namespace, flow[0].id, {}, {})
        group = int((await logged_line(harness, created.id, "group ")).message.split()[1])
        child = int((await logged_line(harness, created.id, "child ")).message.split()[1])
    finally:
        await harness.stop()

    assert live_processes(group) == []
    assert not process_alive(child)


async def test_lines_stored_while_running(instance: InstanceHarness, tmp_path: Path) -> None:
    marker = tmp_path / "go"
    source = f"""
id: streaming
namespace: qa.scripts
tasks:
  - id: talker
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import os, time
      print("first line")
      while not os.path.exists("{marker}"):
          time.sleep(0.05)
      print("second line")
"""
    flow = await instance.instance.flows.deploy_text(source)
    created = await instance.instance.executions.create(flow[0].namespace, flow[0].id, {}, {})

    # The script waits for the marker, which is made only once its first line is stored: so
    # that line was stored while the script ran.
    first = await logged_line(instance, created.id, "first line")
    marker.touch()
    execution = await instance.instance.executions.wait_until_finished(created.id, TIMEOUT)

    talker = only_run(execution, "talker")
    second = await logged_line(instance, created.id, "second line")
    assert execution.state is State.SUCCESS
    assert talker.end_date is not None
    assert first.timestamp < second.timestamp <= talker.end_date
    assert first.level == second.level == "INFO"


async def test_nul_output_is_stored(instance: InstanceHarness) -> None:
    source = r"""
id: nul_output
namespace: qa.scripts
tasks:
  - id: nul
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf 'a\000b\n'
"""
    execution = await asyncio.wait_for(instance.run(source, timeout=TIMEOUT), TIMEOUT)

    assert execution.state is State.SUCCESS
    assert [entry.message for entry in await instance.logs(execution)] == ["a\ufffdb"]


async def test_failed_script_logs_stderr(instance: InstanceHarness) -> None:
    source = """
id: failing
namespace: qa.scripts
tasks:
  - id: broken
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "reason of the failure" >&2
      - exit 4
"""
    execution = await instance.run(source, timeout=TIMEOUT)

    broken = only_run(execution, "broken")
    assert execution.state is State.FAILED
    assert broken.outputs == {"vars": {}, "exitCode": 4, "outputFiles": {}}
    messages = [entry.message for entry in await instance.logs(execution)]
    assert "reason of the failure" in messages
    assert any("code 4" in m and "reason of the failure" in m for m in messages)
