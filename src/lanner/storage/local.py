"""Internal storage on the local file system."""

from __future__ import annotations

import asyncio
import hashlib
import os
import builtins
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from lanner.errors import FileNotFoundInStorage, StorageError
from lanner.storage.base import Storage, StoredObject
from lanner.storage.keys import check_key


class LocalStorage(Storage):
    """Files under one root folder; a key is a relative path below it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key

    async def put(self, key: str, data: bytes) -> StoredObject:
        path = self._path(key)
        return await asyncio.to_thread(self._write, path, key, data)

    def _write(self, path: Path, key: str, data: bytes) -> StoredObject:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return self._stat_path(path, key)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as error:
            raise FileNotFoundInStorage(f"no file is stored at {key!r}") from error
        except OSError as error:
            raise StorageError(f"could not read {key!r} from local storage: {error}") from error

    async def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return await asyncio.to_thread(self._stat_path, path, key)

    def _stat_path(self, path: Path, key: str) -> StoredObject:
        status = path.stat()
        # The version must change whenever the content does; size and nanosecond mtime are
        # cheap and change on every rewrite made through put().
        version = hashlib.sha1(f"{status.st_size}:{status.st_mtime_ns}".encode()).hexdigest()
        updated = datetime.fromtimestamp(status.st_mtime, UTC)
        return StoredObject(key=key, size=status.st_size, updated=updated, version=version)

    async def delete(self, key: str) -> bool:
        path = self._path(key)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True

    async def list(self, prefix: str) -> AsyncIterator[StoredObject]:
        objects = await asyncio.to_thread(self._list, prefix)
        for stored in objects:
            yield stored

    def _list(self, prefix: str) -> builtins.list[StoredObject]:
        # Walk from the deepest folder the prefix names, then filter on the full prefix.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / folder
        if not start.is_dir():
            return []
        found: builtins.list[StoredObject] = []
        for directory, _, files in os.walk(start):
            for name in files:
                if name.startswith(".") and name.endswith(".tmp"):
                    continue
                path = Path(directory) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(self._stat_path(path, key))
        found.sort(key=lambda stored: stored.key)
        return found
