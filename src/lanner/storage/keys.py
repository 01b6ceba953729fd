"""Rules every storage key follows, whatever the backend."""

from __future__ import annotations

from lanner.errors import StorageError


class InvalidStorageKey(StorageError):
    """A storage key is empty, absolute, or climbs out of its root with `..`."""


def check_key(key: str) -> str:
    """Reject keys that could leave the storage root or address a folder."""
    if not key or key.startswith("/") or key.endswith("/"):
        raise InvalidStorageKey(f"invalid storage key {key!r}: expected a relative file path")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidStorageKey(
            f"invalid storage key {key!r}: empty, '.' and '..' path segments are not allowed"
        )
    if "\x00" in key:
        raise InvalidStorageKey(f"invalid storage key {key!r}: NUL characters are not allowed")
    return key
