"""Server-sent events: the wire format, keep-alive comments and wake-ups between updates.

A stream is an async generator of ready-to-send text. When the client disconnects, the server
cancels the generator at its current `await`, so cleanup lives in `finally` blocks and every
helper here ends the tasks it started. Database reads of a stream go through `complete`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from starlette.responses import StreamingResponse

from lanner.errors import LannerError

logger = logging.getLogger(__name__)

# Seconds between two looks at the database when no wake-up arrives: the notifier may miss a
# change made by another process (SQLite has no cross-process wake-up).
POLL_INTERVAL = 1.0
# Seconds of silence after which a comment line is sent, so proxies keep the connection open
# and a client that left is noticed on the next write.
KEEP_ALIVE_INTERVAL = 15.0


def format_event(data: str, *, event_id: str | None = None, event: str | None = None) -> str:
    """Format one event; `data` is split into one `data:` line per line."""
    lines = []
    if event is not None:
        lines.append(f"event: {event}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


KEEP_ALIVE = ": keep-alive\n\n"

T = TypeVar("T")


async def complete(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a database read to its end even if the stream is cancelled meanwhile.

    A query cancelled halfway makes SQLAlchemy tear its connection down, and with aiosqlite
    (0.22.1, under SQLAlchemy 2.1.9) that teardown can wait forever. Running the read in its
    own task lets it finish and return its connection to the pool; the cancellation still
    reaches the stream.
    """
    task = asyncio.ensure_future(coroutine)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.add_done_callback(_discard_result)
        raise


def _discard_result(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.debug("A read of a stream that was closed failed", exc_info=task.exception())


async def wait_any(events: list[asyncio.Event], timeout: float) -> bool:
    """Wait until one of the events is set or the timeout passes; return True when woken."""
    if any(event.is_set() for event in events):
        return True
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        # Let the cancelled waiters finish now, so none outlives this call.
        await asyncio.gather(*waiters, return_exceptions=True)
    return bool(done)


class KeepAlive:
    """Tells when a stream has been silent long enough to need a keep-alive comment."""

    def __init__(self, interval: float = KEEP_ALIVE_INTERVAL) -> None:
        self.interval = interval
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()

    def sent(self) -> None:
        self._last = self._loop.time()

    def due(self) -> bool:
        return self._loop.time() - self._last >= self.interval


async def guarded(stream: AsyncIterator[str], what: str) -> AsyncIterator[str]:
    """Pass a stream's events through; on an error, log it and send an `error` event."""
    try:
        async for text in stream:
            yield text
    except LannerError as error:
        logger.warning("Stopped streaming %s: %s", what, error)
        yield format_event(str(error), event="error")
    except Exception:
        logger.exception("Unexpected error while streaming %s", what)
        yield format_event("internal server error; the server log has the details", event="error")


def event_stream(stream: AsyncIterator[str], what: str) -> StreamingResponse:
    """Return a streaming response of server-sent events."""
    return StreamingResponse(
        guarded(stream, what),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
