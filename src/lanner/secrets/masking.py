"""Masking secret values in log lines and task outputs."""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any, Final

# The text that replaces a secret value.
MASK: Final = "******"


def mask_text(text: str, secrets: Collection[str]) -> str:
    """Replace every occurrence of a secret in text; pass the longest secrets first."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


def mask_value(value: Any, secrets: Collection[str]) -> Any:
    """Mask secrets in every text of nested maps and lists, keys included."""
    if not secrets:
        return value
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, dict):
        return {mask_value(key, secrets): mask_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(item, secrets) for item in value]
    return value


def longest_first(secrets: Collection[str]) -> list[str]:
    """Order secrets so that one containing another is masked whole."""
    return sorted({secret for secret in secrets if secret}, key=len, reverse=True)


class SecretValues:
    """The secret values one task run has read so far, kept longest first for masking.

    Renders may run on other threads than the one writing log lines, hence the lock.
    """

    def __init__(self) -> None:
        self._values: list[str] = []
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        with self._lock:
            if value and value not in self._values:
                self._values = longest_first([*self._values, value])

    @property
    def values(self) -> list[str]:
        return self._values

    def mask(self, text: str) -> str:
        return mask_text(text, self._values)
