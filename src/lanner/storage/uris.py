"""`kestra://` URIs, the way flows refer to files in internal storage.

A URI's path is the storage key with a leading `/`: `kestra:///company/team/flow/executions/ID/...`.
Each path segment is percent-encoded in the URI so that any file name round-trips.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlparse

from lanner.errors import StorageError
from lanner.storage.keys import check_key

SCHEME = "kestra"


def uri_from_key(key: str) -> str:
    check_key(key)
    return f"{SCHEME}:///" + "/".join(quote(part, safe="") for part in key.split("/"))


def key_from_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme != SCHEME or parsed.netloc:
        raise StorageError(f"invalid internal storage URI {uri!r}: expected kestra:///path")
    return check_key("/".join(unquote(part) for part in parsed.path.lstrip("/").split("/")))


def execution_file_key(namespace: str, flow_id: str, execution_id: str, *parts: str) -> str:
    """Build the key of a file that belongs to one execution (inputs, task outputs)."""
    return "/".join([*namespace.split("."), flow_id, "executions", execution_id, *parts])
