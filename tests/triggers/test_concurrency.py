"""Two schedulers over one database fire every slot exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.support import InstanceHarness
from tests.triggers.support import (
    FrozenClock,
    executions_of,
    flow_with,
    new_scheduler,
    schedule,
    trigger_dates,
)

FLOWS = 6


async def test_two_schedulers_once(instance: InstanceHarness) -> None:
    for index in range(FLOWS):
        await instance.deploy(flow_with(schedule("*/5 * * * *", "UTC"), f"flow_{index}"))
    clock = FrozenClock("2024-01-01T00:00:30Z")
    first = new_scheduler(instance, clock, batch_size=2, max_slots_per_trigger=3)
    second = new_scheduler(instance, clock, batch_size=2, max_slots_per_trigger=3)
    await first.cycle()

    for _ in range(12):
        clock.advance(minutes=7)
        await asyncio.gather(first.cycle(), second.cycle(), first.cycle(), second.cycle())

    for index in range(FLOWS):
        dates = trigger_dates(await executions_of(instance, "company.team", f"flow_{index}"))
        assert Counter(dates).most_common(1)[0][1] == 1, f"flow_{index} fired a slot twice"
        assert len(dates) == 16, f"flow_{index} fired {len(dates)} of 16 slots"
