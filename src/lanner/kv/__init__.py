"""The KV store: typed key-value pairs per namespace, read by tasks, the API and `kv()`."""

from lanner.kv.errors import InvalidKvKey, InvalidKvValue, KvError, KvKeyExists
from lanner.kv.store import KvEntry, KvStore, namespace_chain
from lanner.kv.values import KvType

__all__ = [
    "InvalidKvKey",
    "InvalidKvValue",
    "KvEntry",
    "KvError",
    "KvKeyExists",
    "KvStore",
    "KvType",
    "namespace_chain",
]
