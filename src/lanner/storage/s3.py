"""Internal storage on an S3-compatible object store, through obstore.

Why obstore rather than aiobotocore: both are maintained and both are async, but obstore's
requests run in Rust (the `object_store` crate on a tokio runtime) and only hand results to
asyncio, while aiobotocore builds, signs and parses every request in Python. Measured on the
2-core development machine against moto's S3 server on loopback, one 4 KiB GET costs the client
about 0.6 ms of CPU with obstore and 2.3 ms with aiobotocore. Parallel downloads of many small
namespace files are bound by that CPU time once the network wait overlaps, so obstore
downloads them several times faster. obstore's listing stream also follows every continuation
token by itself, and it reads the standard AWS environment variables.

Keys are passed to the store unchanged: obstore sends `%`, spaces, quotes, backslashes and
non-ASCII characters percent-encoded on the wire and lists them back byte for byte.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import re
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import obstore
from obstore.exceptions import (
    BaseError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from obstore.store import S3Store

from lanner.errors import FileNotFoundInStorage, StorageError
from lanner.storage.base import Storage, StoredContent, StoredObject
from lanner.storage.keys import check_key
from lanner.storage.s3_url import S3Location
from lanner.timestamps import utc_now

if TYPE_CHECKING:
    from obstore import ObjectMeta

# S3 deletes at most 1000 keys per request.
_DELETE_BATCH = 1000
# How many listed objects obstore hands to Python at a time; S3 pages hold up to 1000.
_LIST_CHUNK = 1000


class S3Storage(Storage):
    """Files in one bucket, under an optional prefix; a key is an object name below it."""

    def __init__(self, location: S3Location) -> None:
        self.location = location
        self._store: S3Store | None = S3Store(location.bucket, **_store_options(location))
        _open_storages.add(self)

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.location.bucket!r}, prefix={self.location.prefix!r})"

    @property
    def store(self) -> S3Store:
        if self._store is None:
            raise StorageError(f"{self!r} is closed; create a new storage to use it again")
        return self._store

    async def put(self, key: str, data: bytes) -> StoredObject:
        check_key(key)
        with self._translated("write", key):
            result = await obstore.put_async(self.store, key, data)
        # NOTE: the update time is this machine's clock; a later listing shows the server's.
        return StoredObject(
            key=key, size=len(data), updated=utc_now(), version=_version(result["e_tag"])
        )

    async def get(self, key: str) -> bytes:
        return (await self.fetch(key)).data

    async def fetch(self, key: str) -> StoredContent:
        check_key(key)
        with self._translated("read", key):
            result = await obstore.get_async(self.store, key)
            data = bytes(await result.bytes_async())
        return StoredContent(_stored(result.meta), data)

    async def stat(self, key: str) -> StoredObject | None:
        check_key(key)
        try:
            with self._translated("stat", key):
                meta = await obstore.head_async(self.store, key)
        except FileNotFoundInStorage:
            return None
        return _stored(meta)

    async def delete(self, key: str) -> bool:
        # S3 answers a delete the same way whether the object existed or not.
        if await self.stat(key) is None:
            return False
        with self._translated("delete", key):
            await obstore.delete_async(self.store, key)
        return True

    async def delete_prefix(self, prefix: str) -> int:
        keys = [stored.key async for stored in self.list(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            with self._translated("delete", batch[0]):
                await obstore.delete_async(self.store, batch)
        return len(keys)

    async def list(self, prefix: str) -> AsyncIterator[StoredObject]:
        # obstore lists whole path segments below a folder; a prefix that ends inside a
        # segment lists the folder around it and keeps the keys that start with the prefix.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        stream = obstore.list(self.store, folder or None, chunk_size=_LIST_CHUNK)
        while True:
            with self._translated("list", prefix or "/"):
                try:
                    batch = await stream.__anext__()
                except StopAsyncIteration:
                    return
            for meta in batch:
                if meta["path"].startswith(prefix):
                    yield _stored(meta)

    async def copy(self, source: str, destination: str) -> None:
        check_key(source)
        check_key(destination)
        with self._translated("copy", source):
            await obstore.copy_async(self.store, source, destination, overwrite=True)

    async def move(self, source: str, destination: str) -> None:
        await self.copy(source, destination)
        with self._translated("delete", source):
            await obstore.delete_async(self.store, source)

    async def close(self) -> None:
        self._release()

    def _release(self) -> None:
        # Dropping the store here, while the interpreter still runs, matters: obstore's
        # runtime aborts the process when a store that served requests is freed during
        # interpreter shutdown.
        self._store = None
        _open_storages.discard(self)

    @contextlib.contextmanager
    def _translated(self, action: str, key: str) -> Iterator[None]:
        """Turn obstore's errors into StorageError, naming the action, the key and the bucket."""
        where = f"{key!r} in S3 bucket {self.location.bucket!r}"
        try:
            yield
        # obstore raises the built-in FileNotFoundError and PermissionError for some of its
        # errors, and its own classes for others.
        except (NotFoundError, FileNotFoundError) as error:
            if "NoSuchBucket" in str(error):
                raise StorageError(
                    f"could not {action} {where}: the bucket does not exist; create it, or fix "
                    "the bucket in the storage URL"
                ) from error
            raise FileNotFoundInStorage(f"no file is stored at {key!r}") from error
        except (PermissionDeniedError, UnauthenticatedError, PermissionError) as error:
            raise StorageError(
                f"could not {action} {where}: access denied ({_first_line(error)}); check the "
                "credentials in the storage URL or the AWS_* environment variables"
            ) from error
        except (BaseError, OSError) as error:
            raise StorageError(f"could not {action} {where}: {_first_line(error)}") from error


def _store_options(location: S3Location) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if location.prefix:
        options["prefix"] = location.prefix
    for name in ("endpoint", "region", "access_key_id", "secret_access_key", "session_token"):
        value = getattr(location, name)
        if value is not None:
            options[name] = value
    if location.virtual_hosted_style is not None:
        options["virtual_hosted_style_request"] = location.virtual_hosted_style
    allow_http = location.allow_http
    if allow_http is None and location.endpoint:
        allow_http = location.endpoint.lower().startswith("http://")
    if allow_http:
        options["client_options"] = {"allow_http": True}
    return options


def _first_line(error: BaseException) -> str:
    # obstore appends a multi-line debug dump of the request to its messages, and the S3
    # error code (such as NoSuchBucket) sits in the XML body somewhere inside it.
    text = str(error).strip()
    if not text:
        return type(error).__name__
    first = text.splitlines()[0].split("<?xml", 1)[0].rstrip(": ")
    code = _S3_CODE.search(text)
    if code is None:
        return first
    message = _S3_MESSAGE.search(text)
    detail = f"{code.group(1)}: {message.group(1)}" if message else code.group(1)
    return f"{first} ({detail})"


def _version(tag: str | None) -> str | None:
    # S3 quotes ETags; the quotes are not part of the version.
    return tag.strip('"') or None if tag else None


_S3_CODE = re.compile(r"<Code>([^<]+)</Code>")
_S3_MESSAGE = re.compile(r"<Message>([^<]+)</Message>")


def _stored(meta: ObjectMeta) -> StoredObject:
    return StoredObject(
        key=meta["path"],
        size=meta["size"],
        updated=meta["last_modified"],
        version=_version(meta["e_tag"] or meta["version"]),
    )


_open_storages: weakref.WeakSet[S3Storage] = weakref.WeakSet()


@atexit.register
def _release_open_storages() -> None:
    for storage in builtins.list(_open_storages):
        storage._release()
    # Responses and listing streams left in reference cycles also hold the runtime: free them
    # too before the interpreter shuts down.
    gc.collect()
