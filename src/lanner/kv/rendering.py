"""`kv()` in expressions rendered on a worker.

Rendering is synchronous, and tasks render inside the worker's event loop, while the
database is reached through async connections bound to that loop. A synchronous `kv()`
cannot await them there, so a task run's values reach it in two ways:

- before the task runs, the worker finds the `kv()` calls with literal keys in the task's
  properties and the flow's variables (`lanner.kv.references`) and reads all of them in one
  async query (`KvSnapshot.prefetch`). Most flows name their keys literally, so their renders
  never touch the database;
- a key the snapshot lacks (a computed key such as `kv('day_' ~ inputs.day)`) is read when the
  render reaches it, through a small synchronous connection pool (`SyncKvReader`), and kept
  in the snapshot for the rest of the task run.

Rendering in a thread and calling back into the loop was rejected: tasks call
`RunContext.render()` inline from their async `run()`, so the render is on the loop's thread
and waiting there for the loop would deadlock it. The synchronous read instead blocks the loop
for one primary-key lookup.

Each value is the one stored when it was read. Expiry is checked at every lookup, so a key
whose TTL passes while the task runs reads as missing from then on.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from typing import Any

from lanner.backend.kv import StoredKv, SyncKvReader
from lanner.backend.store import Backend
from lanner.errors import ExpressionError, LannerError
from lanner.expressions import RenderServices
from lanner.expressions.errors import ServiceUnavailable
from lanner.expressions.services import UnavailableServices
from lanner.kv.references import KvReference
from lanner.kv.store import KvEntry, check_key, check_namespace, entry_from_stored, namespace_chain
from lanner.timestamps import utc_now

Pair = tuple[str, str]


class KvSnapshot:
    """KV rows of one task run by namespace and key; None records a key known to be absent."""

    def __init__(self, reader: SyncKvReader | None = None) -> None:
        self.reader = reader
        self._rows: dict[Pair, StoredKv | None] = {}
        self._lock = threading.Lock()

    @classmethod
    async def prefetch(
        cls,
        backend: Backend,
        references: Iterable[KvReference],
        flow_namespace: str,
        reader: SyncKvReader | None = None,
    ) -> KvSnapshot:
        """Read every referenced key, in each namespace a lookup of it may visit."""
        snapshot = cls(reader)
        namespaces: set[str] = set()
        keys: set[str] = set()
        for reference in references:
            if not _valid(reference):
                continue
            keys.add(reference.key)
            namespaces.update(_namespaces(reference.namespace, flow_namespace))
        if keys:
            async with backend.db.transaction(write=False) as connection:
                rows = await backend.kv.find(connection, namespaces, keys)
            snapshot._store(namespaces, keys, rows)
        return snapshot

    @property
    def pairs(self) -> frozenset[Pair]:
        """The (namespace, key) pairs read so far, present or absent."""
        with self._lock:
            return frozenset(self._rows)

    def lookup(self, namespaces: list[str], key: str) -> KvEntry | None:
        """Return the live value of `key` in the first namespace that has one."""
        missing = [namespace for namespace in namespaces if (namespace, key) not in self._rows]
        if missing:
            self._read(missing, key)
        now = utc_now()
        for namespace in namespaces:
            stored = self._rows.get((namespace, key))
            if stored is not None and not stored.is_expired(now):
                return entry_from_stored(stored)
        return None

    def _read(self, namespaces: list[str], key: str) -> None:
        if self.reader is None:
            raise ServiceUnavailable(
                f"kv('{key}') is not available here: the key was not read before the render "
                "and no database connection is configured for this render"
            )
        try:
            rows = self.reader.find(namespaces, [key])
        except LannerError as error:
            raise ExpressionError(f"kv('{key}') could not be read: {error}") from error
        self._store(namespaces, [key], rows)

    def _store(
        self, namespaces: Collection[str], keys: Collection[str], rows: list[StoredKv]
    ) -> None:
        with self._lock:
            for namespace in namespaces:
                for key in keys:
                    self._rows.setdefault((namespace, key), None)
            for row in rows:
                self._rows[(row.namespace, row.key)] = row


class KvServices:
    """Render services that resolve `kv()` from a snapshot; `secret()` and `read()` go to
    `fallback`."""

    def __init__(
        self,
        snapshot: KvSnapshot,
        flow_namespace: str,
        fallback: RenderServices | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.flow_namespace = flow_namespace
        self.fallback: RenderServices = fallback or UnavailableServices()

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        try:
            check_key(key)
            if namespace is not None:
                check_namespace(namespace)
        except LannerError as error:
            raise ExpressionError(f"kv('{key}'): {error}") from None
        entry = self.snapshot.lookup(_namespaces(namespace, self.flow_namespace), key)
        if entry is not None:
            return entry.value
        if error_on_missing:
            raise ExpressionError(_missing_message(key, namespace, self.flow_namespace))
        return None

    def secret(self, name: str) -> str:
        return self.fallback.secret(name)

    def read(self, path: str, namespace: str | None) -> str:
        return self.fallback.read(path, namespace)


def _namespaces(namespace: str | None, flow_namespace: str) -> list[str]:
    # Without an explicit namespace, kv() looks in the flow's namespace, then its parents.
    return [namespace] if namespace is not None else namespace_chain(flow_namespace)


def _valid(reference: KvReference) -> bool:
    try:
        check_key(reference.key)
        if reference.namespace is not None:
            check_namespace(reference.namespace)
    except LannerError:
        return False
    return True


def _missing_message(key: str, namespace: str | None, flow_namespace: str) -> str:
    where = (
        f"namespace {namespace!r}"
        if namespace is not None
        else f"namespace {flow_namespace!r} or its parents"
    )
    return (
        f"kv('{key}'): no value for key {key!r} in {where}; set it first (the "
        "io.kestra.plugin.core.kv.Set task or `lanner kv set`), or pass errorOnMissing=false "
        "to read a missing key as null"
    )
