"""Errors of the KV store; each message names the key and the namespace."""

from __future__ import annotations

from lanner.errors import LannerError


class KvError(LannerError):
    """A KV store operation failed; the message names the key and the namespace."""


class InvalidKvKey(KvError):
    """A key or namespace does not follow the naming rules."""


class InvalidKvValue(KvError):
    """A value cannot be read as the KV type asked for, or a TTL is not a positive duration."""


class KvKeyExists(KvError):
    """A value exists already and the write asked not to overwrite it."""

    def __init__(self, namespace: str, key: str) -> None:
        self.namespace = namespace
        self.key = key
        super().__init__(
            f"key {key!r} already exists in namespace {namespace!r} and overwrite is false; "
            "delete it first or set overwrite to true"
        )
