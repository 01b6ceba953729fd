"""Flows run end to end on SQLite and PostgreSQL."""

from __future__ import annotations

from lanner.states import State
from tests.support import InstanceHarness, runs_of

FOREACH_UNBOUNDED = """
id: foreach_unbounded_three_logs
namespace: qa.research
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    concurrencyLimit: 0
    tasks:
      - id: first
        type: io.kestra.plugin.core.log.Log
        message: "first {{ taskrun.value }}"
      - id: second
        type: io.kestra.plugin.core.log.Log
        message: "second {{ taskrun.value }}"
      - id: third
        type: io.kestra.plugin.core.log.Log
        message: "third {{ taskrun.value }}"
"""


async def test_foreach_unbounded_ends(instance: InstanceHarness) -> None:
    execution = await instance.run(FOREACH_UNBOUNDED)

    assert execution.state is State.SUCCESS
    children = [run for run in execution.task_runs.values() if run.task_id != "each"]
    assert len(children) == 9
    assert all(run.state is State.SUCCESS for run in children)
    assert runs_of(execution, "each")[0].state is State.SUCCESS
    messages = sorted(entry.message for entry in await instance.logs(execution))
    expected = sorted(f"{step} {value}" for step in ("first", "second", "third")
                      for value in "abc")
    assert messages == expected
