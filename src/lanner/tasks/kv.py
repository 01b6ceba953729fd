"""Key-value store tasks: Set, Get, GetKeys and Delete a namespace's KV pairs.

Every property is rendered; `namespace` defaults to the flow's. Get and Delete read the
namespace given, without looking in its parents as `kv()` does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from lanner.durations import InvalidDuration, parse_duration
from lanner.errors import TaskFailure
from lanner.expressions import is_truthy
from lanner.kv import KvError, KvStore, KvType
from lanner.tasks.base import RunnableTask
from lanner.tasks.choices import one_of
from lanner.tasks.properties import Duration, DynamicBool, Text

if TYPE_CHECKING:
    from lanner.worker.context import RunContext

FLOW_NAMESPACE = "{{ flow.namespace }}"
KV_TYPES = tuple(kv_type.value for kv_type in KvType)


class Set(RunnableTask):
    """Store a value under a key, typed by `kvType` or by the rendered value itself."""

    type_names = ("io.kestra.plugin.core.kv.Set",)

    key: Text
    value: Any
    namespace: Text = FLOW_NAMESPACE
    overwrite: DynamicBool = True
    ttl: Duration | None = None
    kv_type: Annotated[str, one_of(*KV_TYPES)] | None = None
    kv_description: Text | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        store = _store(self, context)
        key = context.render(self.key, "key")
        namespace = context.render(self.namespace, "namespace")
        value = context.render_typed(self.value, "value")
        kv_type = self._kv_type(context)
        description = (
            context.render(self.kv_description, "kvDescription")
            if self.kv_description is not None
            else None
        )
        try:
            await store.put(
                namespace,
                key,
                value,
                kv_type=kv_type,
                ttl=self._ttl(context),
                description=description,
                overwrite=_flag(context, self.overwrite, "overwrite"),
            )
        except KvError as error:
            raise TaskFailure(f"task {self.id!r}: {error}") from error
        return None

    def _kv_type(self, context: RunContext) -> KvType | None:
        if self.kv_type is None:
            return None
        rendered = context.render(self.kv_type, "kvType").strip().upper()
        if rendered not in KV_TYPES:
            raise TaskFailure(
                f"task {self.id!r}: invalid kvType {rendered!r}; use one of {', '.join(KV_TYPES)}"
            )
        return KvType(rendered)

    def _ttl(self, context: RunContext) -> timedelta | None:
        if self.ttl is None or isinstance(self.ttl, timedelta):
            return self.ttl
        rendered = context.render_typed(self.ttl, "ttl")
        if isinstance(rendered, timedelta):
            return rendered
        try:
            return parse_duration(str(rendered))
        except InvalidDuration as error:
            raise TaskFailure(f"task {self.id!r}: invalid ttl: {error}") from None


class Get(RunnableTask):
    """Read the value of a key into `outputs.<task>.value`; null when missing."""

    type_names = ("io.kestra.plugin.core.kv.Get",)

    key: Text
    namespace: Text = FLOW_NAMESPACE
    error_on_missing: DynamicBool = False

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        store = _store(self, context)
        key = context.render(self.key, "key")
        namespace = context.render(self.namespace, "namespace")
        try:
            entry = await store.get(namespace, key)
        except KvError as error:
            raise TaskFailure(f"task {self.id!r}: {error}") from error
        if entry is None and _flag(context, self.error_on_missing, "errorOnMissing"):
            raise TaskFailure(
                f"task {self.id!r}: no value for key {key!r} in namespace {namespace!r} and "
                "errorOnMissing is true"
            )
        return {"value": entry.value if entry is not None else None}


class GetKeys(RunnableTask):
    """List the keys of a namespace into `outputs.<task>.keys`, optionally under a prefix."""

    type_names = ("io.kestra.plugin.core.kv.GetKeys",)

    prefix: Text | None = None
    namespace: Text = FLOW_NAMESPACE

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        store = _store(self, context)
        namespace = context.render(self.namespace, "namespace")
        prefix = context.render(self.prefix, "prefix") if self.prefix is not None else None
        try:
            entries = await store.list(namespace, prefix or None)
        except KvError as error:
            raise TaskFailure(f"task {self.id!r}: {error}") from error
        return {"keys": [entry.key for entry in entries]}


class Delete(RunnableTask):
    """Delete a key; `outputs.<task>.deleted` is true when a value was stored under it."""

    type_names = ("io.kestra.plugin.core.kv.Delete",)

    key: Text
    namespace: Text = FLOW_NAMESPACE
    error_on_missing: DynamicBool = False

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        store = _store(self, context)
        key = context.render(self.key, "key")
        namespace = context.render(self.namespace, "namespace")
        try:
            deleted = await store.delete(namespace, key)
        except KvError as error:
            raise TaskFailure(f"task {self.id!r}: {error}") from error
        if not deleted and _flag(context, self.error_on_missing, "errorOnMissing"):
            raise TaskFailure(
                f"task {self.id!r}: no value for key {key!r} in namespace {namespace!r} and "
                "errorOnMissing is true"
            )
        return {"deleted": deleted}


def _store(task: RunnableTask, context: RunContext) -> KvStore:
    if context.kv is None:
        raise TaskFailure(f"task {task.id!r}: the KV store is not available on this worker")
    return context.kv


def _flag(context: RunContext, value: bool | str, name: str) -> bool:
    if isinstance(value, bool):
        return value
    return is_truthy(context.render_typed(value, name))
