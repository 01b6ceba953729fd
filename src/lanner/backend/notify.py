"""Wake-ups between components: in-process signals, and PostgreSQL LISTEN/NOTIFY across processes.

Polling remains the fallback everywhere: a missed wake-up only delays work by one polling
interval, it never loses any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

logger = logging.getLogger(__name__)

EXECUTOR = "executor"
WORKER = "worker"
KILL = "kill"
EXECUTION = "execution"
CHANNELS = (EXECUTOR, WORKER, KILL, EXECUTION)
PREFIX = "lanner_"


class Notifier:
    """In-process wake-ups, by channel."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def watch(self, channel: str) -> asyncio.Event:
        """Return the event the next notification of a channel sets.

        Take it before looking for work, then wait on it: a notification sent in between
        is not lost.
        """
        event = self._events.get(channel)
        if event is None:
            event = self._events[channel] = asyncio.Event()
        return event

    def notify(self, channel: str) -> None:
        """Wake every current waiter of a channel."""
        event = self._events.pop(channel, None)
        if event is not None:
            event.set()

    @staticmethod
    async def wait(event: asyncio.Event, timeout: float) -> bool:
        """Wait for an event from `watch` or the timeout; return True when notified."""
        try:
            await asyncio.wait_for(event.wait(), timeout=max(0.0, timeout))
        except TimeoutError:
            return False
        return True

    async def publish(self, connection: AsyncConnection, channels: Iterable[str]) -> None:
        """Queue notifications that other processes receive when the transaction commits."""

    def after_commit(self, channels: Iterable[str]) -> None:
        for channel in channels:
            self.notify(channel)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PostgresNotifier(Notifier):
    """In-process wake-ups plus LISTEN/NOTIFY, so components in other processes wake up too."""

    def __init__(self, url: str) -> None:
        super().__init__()
        parsed = make_url(url)
        self._conninfo = psycopg.conninfo.make_conninfo(
            host=parsed.host or "",
            port=str(parsed.port or ""),
            user=parsed.username or "",
            password=parsed.password or "",
            dbname=parsed.database or "",
        )
        self._task: asyncio.Task[None] | None = None

    async def publish(self, connection: AsyncConnection, channels: Iterable[str]) -> None:
        for channel in sorted(set(channels)):
            await connection.execute(
                sa.text("SELECT pg_notify(:channel, '')"), {"channel": PREFIX + channel}
            )

    def after_commit(self, channels: Iterable[str]) -> None:
        # Components of this process wake at once; the listener will wake them again, harmlessly.
        super().after_commit(channels)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="lanner-notify-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                async with connection:
                    for channel in CHANNELS:
                        await connection.execute(f"LISTEN {PREFIX}{channel}")
                    delay = 0.1
                    async for notification in connection.notifies():
                        self.notify(notification.channel.removeprefix(PREFIX))
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as error:
                logger.warning(
                    "Lost the LISTEN connection to PostgreSQL (%s); reconnecting in %.1f s",
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
