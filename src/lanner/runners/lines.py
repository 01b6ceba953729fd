"""Reading a process's output as text lines while it runs."""

from __future__ import annotations

import asyncio

from lanner.runners.base import LineHandler, OutputStream

_CHUNK_BYTES = 64 * 1024
# A line longer than this is handed on in pieces, so one endless line cannot fill the memory.
MAX_LINE_BYTES = 16 * 1024 * 1024


async def pump_lines(
    reader: asyncio.StreamReader, stream: OutputStream, on_line: LineHandler
) -> None:
    """Call `on_line` for every line read until the end of the stream.

    Lines are decoded as UTF-8, invalid bytes and NUL replaced by U+FFFD, and lose their `\\n`
    or `\\r\\n`. A last line without a line break is handed on at the end.
    """
    pending = bytearray()
    while chunk := await reader.read(_CHUNK_BYTES):
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) >= 0:
            on_line(_decode(pending[start:end]), stream)
            start = end + 1
        del pending[:start]
        while len(pending) > MAX_LINE_BYTES:
            on_line(_decode(pending[:MAX_LINE_BYTES]), stream)
            del pending[:MAX_LINE_BYTES]
    if pending:
        on_line(_decode(pending), stream)


def _decode(data: bytes | bytearray) -> str:
    # NUL becomes U+FFFD like any invalid byte: PostgreSQL text cannot store it.
    text = bytes(data).decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text[:-1] if text.endswith("\r") else text
