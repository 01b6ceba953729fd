"""Server-sent event helpers, and streams that end cleanly when the client leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from lanner.api.app import create_app
from lanner.api.events import format_event, guarded, wait_any
from lanner.api.responses import dumps_json
from lanner.errors import LannerError
from tests.api.sources import SLEEPY
from tests.support import InstanceHarness


def test_format_event_fields() -> None:
    text = format_event('{"a": 1}', event_id="start")

    assert text == 'id: start\ndata: {"a": 1}\n\n'


def test_format_event_multiline() -> None:
    text = format_event("one\ntwo", event="error")

    assert text == "event: error\ndata: one\ndata: two\n\n"


async def test_wait_any_woken() -> None:
    first, second = asyncio.Event(), asyncio.Event()
    asyncio.get_running_loop().call_soon(second.set)

    assert await wait_any([first, second], 30) is True


async def test_wait_any_timeout_leaves_no_task() -> None:
    before = asyncio.all_tasks()

    assert await wait_any([asyncio.Event()], 0.01) is False
    assert asyncio.all_tasks() == before


async def test_guarded_turns_error_into_event() -> None:
    async def failing() -> AsyncIterator[str]:
        yield "first"
        raise LannerError("the database went away")

    events = [text async for text in guarded(failing(), "test stream")]

    assert events == ["first", "event: error\ndata: the database went away\n\n"]


async def test_guarded_hides_unexpected_error() -> None:
    async def failing() -> AsyncIterator[str]:
        raise RuntimeError("internal detail")
        yield "never"

    events = [text async for text in guarded(failing(), "test stream")]

    assert len(events) == 1
    assert events[0].startswith("event: error\n")
    assert "internal detail" not in events[0]


async def test_disconnect_ends_follow(database_url: str, tmp_path: Path) -> None:
    """A client leaving a follow stream ends the route's work: no task of it keeps running."""
    # Without executor and worker the execution never ends, so only the client can stop the
    # streams, and every task alive afterwards was alive before.
    harness = InstanceHarness(database_url, tmp_path)
    await harness.start(executor=False, worker=False)
    try:
        app = create_app(harness.instance)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as api:
            await api.post("/flows", content=SLEEPY, headers={"Content-Type": "application/x-yaml"})
            execution_id = (await api.post("/executions/qa.api/sleepy")).json()["id"]

        for path in (
            f"/api/v1/executions/{execution_id}/follow",
            f"/api/v1/logs/{execution_id}/follow",
        ):
            before = asyncio.all_tasks()
            first_body, finished = await _read_then_disconnect(app, path)

            assert finished, f"{path} kept streaming after the client left"
            assert first_body.startswith(b"id: start\n")
            assert await _settled(before), f"{path} left {asyncio.all_tasks() - before}"
    finally:
        await harness.stop()


async def _settled(before: set[asyncio.Task[Any]]) -> bool:
    """Wait until no task started since `before` is left.

    A query cancelled by the disconnect makes the database driver close its connection in a
    short-lived task of its own, so new tasks get a moment to end.
    """
    for _ in range(300):
        if asyncio.all_tasks() <= before:
            return True
        await asyncio.sleep(0.1)
    return False


async def _read_then_disconnect(app: Any, path: str) -> tuple[bytes, bool]:
    """Call the app directly, take the first body chunk, then report the client gone."""
    first_chunk = asyncio.get_running_loop().create_future()
    gone = asyncio.Event()
    sent_request = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not first_chunk.done():
            first_chunk.set_result(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"t")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    call = asyncio.ensure_future(app(scope, receive, send))
    body = await asyncio.wait_for(first_chunk, timeout=30)
    gone.set()
    try:
        await asyncio.wait_for(call, timeout=30)
    except TimeoutError:
        return body, False
    return body, True


def test_dumps_json_non_finite() -> None:
    text = dumps_json({"values": [float("nan"), float("inf"), -float("inf"), 1.5]})

    assert text == '{"values":["NaN","Infinity","-Infinity",1.5]}'
