"""Backfills through the API: the window's bounds, inputs, and no slot twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lanner.api.app import create_app
from tests.support import InstanceHarness
from tests.triggers.support import (
    FrozenClock,
    executions_of,
    flow_with,
    new_scheduler,
    schedule,
    trigger_dates,
)

KEY = {"namespace": "company.team", "flowId": "scheduled", "triggerId": "every"}
INPUTS = "inputs:\n  - id: mode\n    type: STRING\n    defaults: live\n"


@pytest.fixture
async def api(instance: InstanceHarness) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(instance.instance))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://lanner.test/api/v1", timeout=60
    ) as client:
        yield client


async def test_window_ends_on_slot(instance: InstanceHarness, api: httpx.AsyncClient) -> None:
    await instance.deploy(flow_with(schedule("0 */6 * * *", "UTC"), extra=INPUTS))
    clock = FrozenClock("2024-01-10T01:00:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()

    backfill = {
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-01-02T00:00:00Z",
        "inputs": {"mode": "backfill"},
        "labels": {"origin": "backfill"},
    }
    response = await api.put("/triggers", json={**KEY, "backfill": backfill})
    assert response.status_code == 200, response.text
    await scheduler.cycle()
    await scheduler.cycle()

    executions = await executions_of(instance, "company.team", "scheduled")
    # Both bounds are slots and both run; the schedule's own next slot is not touched.
    assert trigger_dates(executions) == [
        "2024-01-01T00:00:00Z",
        "2024-01-01T06:00:00Z",
        "2024-01-01T12:00:00Z",
        "2024-01-01T18:00:00Z",
        "2024-01-02T00:00:00Z",
    ]
    assert {item.inputs["mode"] for item in executions} == {"backfill"}
    assert all({"key": "origin", "value": "backfill"} in item.labels for item in executions)
    context = (await api.get("/triggers/company.team/scheduled")).json()["results"][0]
    assert context["backfill"] is None
    assert context["nextExecutionDate"] == "2024-01-10T06:00:00Z"


async def test_window_up_to_schedule(instance: InstanceHarness, api: httpx.AsyncClient) -> None:
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC")))
    clock = FrozenClock("2024-01-01T03:30:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    clock.set("2024-01-01T05:10:00Z")

    # The end lies in the future: the window stops before the schedule's next slot (04:00),
    # which the schedule fires itself.
    backfill = {"start": "2024-01-01T02:00:00Z", "end": "2024-01-01T09:00:00Z"}
    response = await api.put("/triggers", json={**KEY, "backfill": backfill})
    assert response.status_code == 200, response.text
    await scheduler.cycle()
    await scheduler.cycle()

    dates = trigger_dates(await executions_of(instance, "company.team", "scheduled"))
    assert sorted(dates) == [
        "2024-01-01T02:00:00Z",
        "2024-01-01T03:00:00Z",
        "2024-01-01T04:00:00Z",
        "2024-01-01T05:00:00Z",
    ]


async def test_backfill_pause_and_errors(instance: InstanceHarness, api: httpx.AsyncClient) -> None:
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC")))
    clock = FrozenClock("2024-01-02T00:30:00Z")
    scheduler = new_scheduler(instance, clock)
    await scheduler.cycle()
    window = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T05:00:00Z"}

    assert (await api.put("/triggers", json={**KEY, "backfill": window})).status_code == 200
    assert (await api.put("/triggers", json={**KEY, "backfill": window})).status_code == 400
    assert (await api.put("/triggers/backfill/pause", json=KEY)).status_code == 200
    await scheduler.cycle()
    assert await executions_of(instance, "company.team", "scheduled") == []

    assert (await api.post("/triggers/backfill/delete", json=KEY)).status_code == 200
    assert (await api.put("/triggers/backfill/unpause", json=KEY)).status_code == 400
    reversed_window = {"start": "2024-01-01T05:00:00Z", "end": "2024-01-01T00:00:00Z"}
    response = await api.put("/triggers", json={**KEY, "backfill": reversed_window})
    assert response.status_code == 400
    assert "is after its end" in response.json()["message"]
    unknown = {**KEY, "triggerId": "nope", "backfill": window}
    assert (await api.put("/triggers", json=unknown)).status_code == 404


async def test_disabled_in_flow_stays_disabled(
    instance: InstanceHarness, api: httpx.AsyncClient
) -> None:
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC", extra="    disabled: true\n")))

    context = (await api.get("/triggers/company.team/scheduled")).json()["results"][0]
    response = await api.put("/triggers", json={**KEY, "disabled": False})

    assert context["disabled"] is True
    assert response.status_code == 400, response.text
    assert "disabled in the flow" in response.json()["message"]


async def test_bulk_enable_skips_disabled_in_flow(
    instance: InstanceHarness, api: httpx.AsyncClient
) -> None:
    await instance.deploy(flow_with(schedule("0 * * * *", "UTC", extra="    disabled: true\n")))

    response = await api.post(
        "/triggers/set-disabled/by-triggers", json={"triggers": [KEY], "disabled": False}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"count": 0}
