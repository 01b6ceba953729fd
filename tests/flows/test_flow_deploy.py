"""An invalid flow is never deployed, not even beside valid flows of the same text."""

from __future__ import annotations

import pytest

from lanner.errors import InvalidFlow
from tests.support import InstanceHarness

VALID = """\
id: good
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

DAILY = "  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '@daily'\n"

INVALID = """\
id: bad
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Logg
    message: hi
"""


async def test_invalid_flow_not_deployed(instance: InstanceHarness) -> None:
    with pytest.raises(InvalidFlow) as raised:
        await instance.deploy(VALID + "---\n" + INVALID)

    flows, total = await instance.instance.flows.search(namespace="company.team")
    assert total == 0
    assert flows == []
    assert [problem.path for problem in raised.value.problems] == ["tasks[0].type"]


async def test_valid_flow_with_triggers_deployed(instance: InstanceHarness) -> None:
    text = VALID + "triggers:\n" + DAILY

    await instance.deploy(text)

    stored = await instance.instance.flows.get_flow("company.team", "good")
    assert [trigger.id for trigger in stored.triggers or []] == ["daily"]
