"""Timestamps as Lanner stores and shows them: aware UTC datetimes, ISO-8601 text."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(date: datetime) -> str:
    """Format like Java's Instant.toString: `2024-03-07T07:42:00.123456Z`."""
    date = date.astimezone(UTC)
    text = date.strftime("%Y-%m-%dT%H:%M:%S")
    if date.microsecond:
        text += f".{date.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp; a missing offset means UTC."""
    date = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.astimezone(UTC)
