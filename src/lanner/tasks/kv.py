"""Key-value store tasks: Set, Get, GetKeys and Delete a namespace's KV pairs."""

from __future__ import annotations

from typing import Annotated, Any

from lanner.tasks.choices import one_of
from lanner.tasks.properties import Duration, DynamicBool, Text
from lanner.tasks.unavailable import UnavailableTask

# TODO: the KV store is not written yet; these tasks fail when run until it is.

FLOW_NAMESPACE = "{{ flow.namespace }}"


class Set(UnavailableTask):
    type_names = ("io.kestra.plugin.core.kv.Set",)

    key: Text
    value: Any
    namespace: Text = FLOW_NAMESPACE
    overwrite: DynamicBool = True
    ttl: Duration | None = None
    kv_type: (
        Annotated[
            str, one_of("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")
        ]
        | None
    ) = None
    kv_description: Text | None = None


class Get(UnavailableTask):
    type_names = ("io.kestra.plugin.core.kv.Get",)

    key: Text
    namespace: Text = FLOW_NAMESPACE
    error_on_missing: DynamicBool = False


class GetKeys(UnavailableTask):
    type_names = ("io.kestra.plugin.core.kv.GetKeys",)

    prefix: Text | None = None
    namespace: Text = FLOW_NAMESPACE


class Delete(UnavailableTask):
    type_names = ("io.kestra.plugin.core.kv.Delete",)

    key: Text
    namespace: Text = FLOW_NAMESPACE
    error_on_missing: DynamicBool = False
