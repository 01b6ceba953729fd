"""Internal storage on the local file system."""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

from lanner.errors import FileNotFoundInStorage, StorageError
from lanner.storage.base import Storage, StoredContent, StoredObject
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
        try:
            return await asyncio.to_thread(self._write, path, key, data)
        except OSError as error:
            raise StorageError(f"could not write {key!r} to local storage: {error}") from error

    def _write(self, path: Path, key: str, data: bytes) -> StoredObject:
        # A concurrent delete may prune the folder between mkdir and write: try again then.
        for attempt in range(3):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._replace(path, data)
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        return self._stat_path(path, key)

    def _replace(self, path: Path, data: bytes) -> None:
        # Write then rename, so a reader never sees half a file.
        temporary = self._temporary(path)
        try:
            temporary.write_bytes(data)
            _advance_mtime(temporary, path)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def _temporary(self, path: Path) -> Path:
        return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as error:
            raise FileNotFoundInStorage(f"no file is stored at {key!r}") from error
        except OSError as error:
            raise StorageError(f"could not read {key!r} from local storage: {error}") from error

    async def fetch(self, key: str) -> StoredContent:
        path = self._path(key)
        try:
            return await asyncio.to_thread(self._read, path, key)
        except (FileNotFoundError, IsADirectoryError) as error:
            raise FileNotFoundInStorage(f"no file is stored at {key!r}") from error
        except OSError as error:
            raise StorageError(f"could not read {key!r} from local storage: {error}") from error

    def _read(self, path: Path, key: str) -> StoredContent:
        # The content and the status come from one open file, so they belong together even
        # when a writer replaces the file meanwhile.
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            data = file.read()
        return StoredContent(_stored(key, status), data)

    async def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return await asyncio.to_thread(self._stat_path, path, key)

    def _stat_path(self, path: Path, key: str) -> StoredObject:
        return _stored(key, path.stat())

    async def delete(self, key: str) -> bool:
        path = self._path(key)
        try:
            await asyncio.to_thread(self._unlink, path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        except OSError as error:
            raise StorageError(f"could not delete {key!r} from local storage: {error}") from error
        return True

    def _unlink(self, path: Path) -> None:
        path.unlink()
        self._prune(path.parent)

    def _prune(self, folder: Path) -> None:
        """Remove folders left empty, up to the root, as an object store has none."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    async def copy(self, source: str, destination: str) -> None:
        await self._transfer(source, destination, self._copy)

    async def move(self, source: str, destination: str) -> None:
        await self._transfer(source, destination, self._move)

    async def _transfer(
        self, source: str, destination: str, action: Callable[[Path, Path], None]
    ) -> None:
        source_path, destination_path = self._path(source), self._path(destination)
        try:
            await asyncio.to_thread(action, source_path, destination_path)
        except (FileNotFoundError, IsADirectoryError) as error:
            if not source_path.is_file():
                raise FileNotFoundInStorage(f"no file is stored at {source!r}") from error
            raise StorageError(
                f"could not write {destination!r} to local storage: {error}"
            ) from error
        except OSError as error:
            raise StorageError(
                f"could not copy {source!r} to {destination!r} in local storage: {error}"
            ) from error

    def _copy(self, source: Path, destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._temporary(destination)
        try:
            shutil.copyfile(source, temporary)
            _advance_mtime(temporary, destination)
            os.replace(temporary, destination)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def _move(self, source: Path, destination: Path) -> None:
        if not source.is_file():
            raise FileNotFoundError(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        _advance_mtime(source, destination)
        os.replace(source, destination)
        self._prune(source.parent)

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


def _stored(key: str, status: os.stat_result) -> StoredObject:
    # The version must change whenever the content does. Size, inode and nanosecond mtime are
    # cheap, and _advance_mtime makes the mtime grow on every rewrite made through put().
    text = f"{status.st_size}:{status.st_ino}:{status.st_mtime_ns}"
    version = hashlib.sha1(text.encode()).hexdigest()
    updated = datetime.fromtimestamp(status.st_mtime_ns / 1e9, UTC)
    return StoredObject(key=key, size=status.st_size, updated=updated, version=version)


def _advance_mtime(new: Path, replaced: Path) -> None:
    """Give `new` an mtime later than that of the file it replaces.

    File systems keep timestamps at a coarse clock tick, so two writes in one tick would
    otherwise leave the same mtime and, with the same size, the same version.
    """
    try:
        previous = replaced.stat().st_mtime_ns
    except FileNotFoundError:
        return
    now = time.time_ns()
    if now <= previous:
        now = previous + 1
    os.utime(new, ns=(now, now))
