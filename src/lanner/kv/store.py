"""The KV store: typed values per namespace, each with an optional TTL.

A value whose TTL has passed reads as missing. It is deleted when a read finds it, when its
key is written again, or by `purge_expired()`. Keys follow Kestra's rule: a letter or digit
first, then letters, digits, `.`, `_` and `-`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from lanner.backend.kv import StoredKv
from lanner.backend.store import Backend
from lanner.kv.errors import InvalidKvKey, InvalidKvValue, KvKeyExists
from lanner.kv.values import KvType, convert, decode, encode, type_of
from lanner.tasks.properties import NAMESPACE_PATTERN
from lanner.timestamps import format_timestamp, parse_timestamp, utc_now

logger = logging.getLogger(__name__)

KEY_PATTERN: Final = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
# Column sizes of the kv table.
MAX_KEY_LENGTH: Final = 255
MAX_NAMESPACE_LENGTH: Final = 150


@dataclass(frozen=True)
class KvEntry:
    """A live KV pair with its metadata."""

    namespace: str
    key: str
    type: KvType
    value: Any
    description: str | None
    created: datetime
    updated: datetime
    expires: datetime | None


class KvStore:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def get(self, namespace: str, key: str) -> KvEntry | None:
        """Return the live value of a key, or None; an expired value is deleted on the way."""
        check_namespace(namespace)
        check_key(key)
        now = utc_now()
        async with self.backend.db.transaction(write=False) as connection:
            stored = await self.backend.kv.get(connection, namespace, key)
        if stored is None:
            return None
        if stored.is_expired(now):
            await self._remove_expired(stored, now)
            return None
        return entry_from_stored(stored)

    async def get_inherited(self, namespace: str, key: str) -> KvEntry | None:
        """Return the value of a key in the namespace or, failing that, its nearest parent."""
        check_namespace(namespace)
        check_key(key)
        chain = namespace_chain(namespace)
        now = utc_now()
        async with self.backend.db.transaction(write=False) as connection:
            found = await self.backend.kv.find(connection, chain, [key])
        live = {stored.namespace: stored for stored in found if not stored.is_expired(now)}
        for candidate in chain:
            if candidate in live:
                return entry_from_stored(live[candidate])
        return None

    async def put(
        self,
        namespace: str,
        key: str,
        value: Any,
        *,
        kv_type: KvType | None = None,
        ttl: timedelta | None = None,
        description: str | None = None,
        overwrite: bool = True,
    ) -> KvEntry:
        """Store a value, converted to `kv_type` when given; raise KvKeyExists when it exists
        and `overwrite` is false."""
        check_namespace(namespace)
        check_key(key)
        if ttl is not None and ttl <= timedelta(0):
            raise InvalidKvValue(f"invalid ttl for key {key!r}: it must be a positive duration")
        typed = convert(value, kv_type, key) if kv_type is not None else value
        final_type = kv_type or type_of(typed)
        now = utc_now()
        async with self.backend.db.transaction() as connection:
            current = await self.backend.kv.get(connection, namespace, key)
            created = now
            if current is not None and not current.is_expired(now):
                created = _created(current)
            document = encode(typed, final_type) | {
                "description": description,
                "created": format_timestamp(created),
            }
            stored = StoredKv(namespace, key, document, now, now + ttl if ttl else None)
            if not await self.backend.kv.put(connection, stored, overwrite, now):
                raise KvKeyExists(namespace, key)
        logger.debug("Stored KV key %s in namespace %s as %s", key, namespace, final_type.value)
        return entry_from_stored(stored)

    async def delete(self, namespace: str, key: str) -> bool:
        """Delete a key; return whether a live value was stored under it."""
        check_namespace(namespace)
        check_key(key)
        async with self.backend.db.transaction() as connection:
            deleted = await self.backend.kv.delete(connection, namespace, key, utc_now())
        if deleted:
            logger.debug("Deleted KV key %s in namespace %s", key, namespace)
        return deleted

    async def list(self, namespace: str, prefix: str | None = None) -> list[KvEntry]:
        """Return the live pairs of a namespace, ordered by key."""
        check_namespace(namespace)
        async with self.backend.db.transaction(write=False) as connection:
            found = await self.backend.kv.list(connection, namespace, utc_now(), prefix)
        return [entry_from_stored(stored) for stored in found]

    async def purge_expired(self) -> int:
        """Delete every expired pair of every namespace; return how many."""
        async with self.backend.db.transaction() as connection:
            count = await self.backend.kv.purge_expired(connection, utc_now())
        if count:
            logger.info("Purged %d expired KV pair(s)", count)
        return count

    async def _remove_expired(self, stored: StoredKv, now: datetime) -> None:
        async with self.backend.db.transaction() as connection:
            await self.backend.kv.delete_expired(connection, stored.namespace, stored.key, now)


def entry_from_stored(stored: StoredKv) -> KvEntry:
    kv_type, value = decode(stored.document)
    document = stored.document if isinstance(stored.document, dict) else {}
    return KvEntry(
        namespace=stored.namespace,
        key=stored.key,
        type=kv_type,
        value=value,
        description=document.get("description"),
        created=_created(stored),
        updated=stored.updated,
        expires=stored.expires,
    )


def _created(stored: StoredKv) -> datetime:
    document = stored.document if isinstance(stored.document, dict) else {}
    created = document.get("created")
    return parse_timestamp(created) if isinstance(created, str) else stored.updated


def namespace_chain(namespace: str) -> list[str]:
    """Return a namespace and its parents, nearest first: `a.b.c`, `a.b`, `a`."""
    parts = namespace.split(".")
    return [".".join(parts[:length]) for length in range(len(parts), 0, -1)]


def check_key(key: str) -> str:
    """Return the key unchanged, or raise InvalidKvKey naming it."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.match(key):
        raise InvalidKvKey(
            f"invalid KV key {key!r}: start with a letter or digit, then use letters, digits, "
            f"'.', '_' and '-', at most {MAX_KEY_LENGTH} characters"
        )
    return key


def check_namespace(namespace: str) -> str:
    """Return the namespace unchanged, or raise InvalidKvKey naming it."""
    if (
        not isinstance(namespace, str)
        or len(namespace) > MAX_NAMESPACE_LENGTH
        or not NAMESPACE_PATTERN.match(namespace)
    ):
        raise InvalidKvKey(
            f"invalid namespace {namespace!r}: use lowercase letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most {MAX_NAMESPACE_LENGTH} characters"
        )
    return namespace
