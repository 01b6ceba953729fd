"""Internal storage: where input files, output files and namespace files live."""

from lanner.storage.base import Storage, StoredContent, StoredObject, storage_from_url
from lanner.storage.uris import execution_file_key, key_from_uri, uri_from_key

__all__ = [
    "Storage",
    "StoredContent",
    "StoredObject",
    "execution_file_key",
    "key_from_uri",
    "storage_from_url",
    "uri_from_key",
]
