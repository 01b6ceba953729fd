"""Shared fixtures for the expression engine tests."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ExpressionError


class RecordingServices:
    """RenderServices backed by dictionaries; records every call it receives."""

    def __init__(self) -> None:
        self.kv_store: dict[tuple[str | None, str], Any] = {("company.team", "answer"): 42}
        self.secrets = {"API_KEY": "s3cr3t"}
        self.files = {"data/notes.txt": "hello from a file"}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        self.calls.append(("kv", (key, namespace, error_on_missing)))
        value = self.kv_store.get((namespace or "company.team", key))
        if value is None and error_on_missing:
            raise ExpressionError(f"the key '{key}' does not exist in the namespace")
        return value

    def secret(self, name: str) -> str:
        self.calls.append(("secret", (name,)))
        return self.secrets[name]

    def read(self, path: str, namespace: str | None) -> str:
        self.calls.append(("read", (path, namespace)))
        return self.files[path]


@pytest.fixture
def services() -> RecordingServices:
    return RecordingServices()
