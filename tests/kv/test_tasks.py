"""The KV tasks and `kv()` in flows, run end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from lanner.kv import KvStore, KvType
from lanner.states import State
from tests.support import InstanceHarness, only_run

WRITE = """
id: write
namespace: company.team
tasks:
  - id: text
    type: io.kestra.plugin.core.kv.Set
    key: greeting
    value: hello
    kvDescription: "set by {{ flow.id }}"
  - id: number
    type: io.kestra.plugin.core.kv.Set
    key: "{{ 'count' }}"
    value: "41"
    kvType: NUMBER
  - id: expression
    type: io.kestra.plugin.core.kv.Set
    key: doubled
    value: "{{ 21 * 2 }}"
  - id: json
    type: io.kestra.plugin.core.kv.Set
    key: config
    value:
      retries: 3
      hosts: [a, b]
  - id: date
    type: io.kestra.plugin.core.kv.Set
    key: day
    value: "2024-03-07"
    kvType: DATE
  - id: ttl
    type: io.kestra.plugin.core.kv.Set
    key: session
    value: token
    ttl: PT1H
  - id: other_namespace
    type: io.kestra.plugin.core.kv.Set
    namespace: company
    key: shared
    value: from company
"""


async def test_set_types(instance: InstanceHarness) -> None:
    execution = await instance.run(WRITE)
    store = KvStore(instance.instance.backend)

    assert execution.state is State.SUCCESS
    entries = {entry.key: entry for entry in await store.list("company.team")}
    assert entries["greeting"].value == "hello"
    assert entries["greeting"].description == "set by write"
    assert entries["count"].type is KvType.NUMBER
    assert entries["count"].value == 41
    assert entries["doubled"].value == 42
    assert entries["config"].type is KvType.JSON
    assert entries["config"].value == {"retries": 3, "hosts": ["a", "b"]}
    assert entries["day"].value == dt.date(2024, 3, 7)
    assert entries["session"].expires is not None
    assert entries["session"].expires - entries["session"].updated == dt.timedelta(hours=1)
    assert entries["greeting"].expires is None
    shared = await store.get("company", "shared")
    assert shared is not None
    assert shared.value == "from company"


READ = """
id: read
namespace: company.team
inputs:
  - id: day
    type: STRING
    defaults: mon
tasks:
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: count
  - id: get_missing
    type: io.kestra.plugin.core.kv.Get
    key: nothing
  - id: keys
    type: io.kestra.plugin.core.kv.GetKeys
    prefix: day_
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: >-
      literal={{ kv('count') + 1 }}
      computed={{ kv('day_' ~ inputs.day) }}
      parent={{ kv('shared') }}
      namespace={{ kv('greeting', namespace='company') }}
      missing={{ kv('nothing', errorOnMissing=false) ?? 'none' }}
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      when: "{{ kv('when') }}"
      computed: "{{ kv('day_' ~ (inputs.day | upper | lower)) }}"
"""


async def test_get_and_kv_function(instance: InstanceHarness) -> None:
    store = KvStore(instance.instance.backend)
    await store.put("company.team", "count", 41)
    await store.put("company.team", "day_mon", "Monday")
    await store.put("company.team", "day_tue", "Tuesday")
    await store.put("company.team", "when", dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC))
    await store.put("company", "shared", "from company")
    await store.put("company", "greeting", "hello from company")

    execution = await instance.run(READ)
    logs = await instance.logs(execution)

    assert execution.state is State.SUCCESS
    assert only_run(execution, "get").outputs == {"value": 41}
    assert only_run(execution, "get_missing").outputs == {"value": None}
    assert only_run(execution, "keys").outputs == {"keys": ["day_mon", "day_tue"]}
    assert [entry.message for entry in logs if entry.task_id == "log"] == [
        "literal=42 computed=Monday parent=from company namespace=hello from company missing=none"
    ]
    assert only_run(execution, "values").outputs == {
        "values": {"when": "2024-03-07T07:42:00Z", "computed": "Monday"}
    }


FAILURES = """
id: failures
namespace: company.team
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: no_overwrite
        type: io.kestra.plugin.core.kv.Set
        key: existing
        value: new
        overwrite: false
      - id: bad_number
        type: io.kestra.plugin.core.kv.Set
        key: number
        value: forty
        kvType: NUMBER
      - id: bad_key
        type: io.kestra.plugin.core.kv.Set
        key: "bad key"
        value: x
      - id: get_required
        type: io.kestra.plugin.core.kv.Get
        key: nothing
        errorOnMissing: true
      - id: delete_required
        type: io.kestra.plugin.core.kv.Delete
        key: nothing
        errorOnMissing: "{{ true }}"
      - id: kv_missing
        type: io.kestra.plugin.core.log.Log
        message: "{{ kv('nothing') }}"
"""


async def test_failures(instance: InstanceHarness) -> None:
    store = KvStore(instance.instance.backend)
    await store.put("company.team", "existing", "old")

    execution = await instance.run(FAILURES)
    logs = await instance.logs(execution)

    errors = {entry.task_id: entry.message for entry in logs if entry.level == "ERROR"}
    assert execution.state is State.FAILED
    for task_id in errors:
        assert only_run(execution, task_id).state is State.FAILED
    assert "key 'existing' already exists in namespace 'company.team'" in errors["no_overwrite"]
    assert "invalid NUMBER value 'forty' for key 'number'" in errors["bad_number"]
    assert "invalid KV key 'bad key'" in errors["bad_key"]
    assert "no value for key 'nothing'" in errors["get_required"]
    assert "errorOnMissing is true" in errors["delete_required"]
    assert "property 'message' of task 'kv_missing'" in errors["kv_missing"]
    assert (
        "no value for key 'nothing' in namespace 'company.team' or its parents"
        in (errors["kv_missing"])
    )
    existing = await store.get("company.team", "existing")
    assert existing is not None
    assert existing.value == "old"


DELETE = """
id: delete
namespace: company.team
tasks:
  - id: delete
    type: io.kestra.plugin.core.kv.Delete
    key: doomed
  - id: delete_again
    type: io.kestra.plugin.core.kv.Delete
    key: doomed
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ kv('doomed', errorOnMissing=false) ?? 'gone' }}"
"""


async def test_delete(instance: InstanceHarness) -> None:
    store = KvStore(instance.instance.backend)
    await store.put("company.team", "doomed", "x")

    execution = await instance.run(DELETE)
    logs = await instance.logs(execution)

    assert execution.state is State.SUCCESS
    assert only_run(execution, "delete").outputs == {"deleted": True}
    assert only_run(execution, "delete_again").outputs == {"deleted": False}
    assert [entry.message for entry in logs if entry.task_id == "after"] == ["gone"]
    assert await store.get("company.team", "doomed") is None


COUNTER = """
id: counter
namespace: company.team
tasks:
  - id: increment
    type: io.kestra.plugin.core.kv.Set
    key: runs
    value: "{{ (kv('runs', errorOnMissing=false) ?? 0) + 1 }}"
"""


async def test_state_across_executions(instance: InstanceHarness) -> None:
    for _ in range(3):
        execution = await instance.run(COUNTER)
        assert execution.state is State.SUCCESS

    entry = await KvStore(instance.instance.backend).get("company.team", "runs")

    assert entry is not None
    assert entry.value == 3
