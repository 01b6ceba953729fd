"""Namespace files: list, stat, read, write, move and delete files of a namespace.

Files live in internal storage under keys made by `lanner.namespace_files.keys`. Folders are
not stored: a folder exists while a file lies below it. Like a file system, a namespace never
contains a file and a folder at the same path, on every storage backend.
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lanner.errors import FileNotFoundInStorage
from lanner.namespace_files.errors import (
    InvalidNamespaceFilePath,
    NamespaceFileConflict,
    NamespaceFileNotFound,
)
from lanner.namespace_files.keys import file_key, folder_prefix, namespace_prefix, path_from_key
from lanner.namespace_files.paths import (
    check_namespace,
    display_path,
    normalize_file_path,
    normalize_path,
    parent_folders,
)
from lanner.storage import Storage, StoredObject

logger = logging.getLogger(__name__)


class EntryType(StrEnum):
    # Kestra's names for the two kinds of entries.
    FILE = "File"
    DIRECTORY = "Directory"


@dataclass(frozen=True)
class NamespaceFileEntry:
    """A file or folder of a namespace; folders have no size, update time or version."""

    namespace: str
    path: str  # normalised, relative to the namespace root
    type: EntryType
    size: int = 0
    updated: datetime | None = None
    version: str | None = None  # the stored object's ETag or checksum

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_file(self) -> bool:
        return self.type is EntryType.FILE


class NamespaceFiles:
    """The namespace files of every namespace, kept in one internal storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def files(self, namespace: str, folder: str = "") -> builtins.list[NamespaceFileEntry]:
        """List every file below a folder (the root by default), at any depth, sorted by path."""
        folder = normalize_path(folder)
        found = []
        async for stored in self.storage.list(folder_prefix(namespace, folder)):
            entry = _file_entry(namespace, stored)
            if entry is not None:
                found.append(entry)
        found.sort(key=lambda entry: entry.path)
        return found

    async def list(
        self, namespace: str, folder: str = "", recursive: bool = False
    ) -> builtins.list[NamespaceFileEntry]:
        """List the files and folders inside a folder, sorted by path.

        Without `recursive`, only the folder's direct children; with it, every file and folder
        below. Raise NamespaceFileNotFound when the folder does not exist (the root always
        does) and InvalidNamespaceFilePath when the path names a file.
        """
        normalized = normalize_path(folder)
        files = await self.files(namespace, normalized)
        if not files and normalized:
            if await self._is_file(namespace, normalized):
                raise InvalidNamespaceFilePath(
                    f"cannot list {display_path(normalized)!r} of namespace {namespace!r}: "
                    "it is a file, not a folder"
                )
            raise _not_found(namespace, normalized)
        return _entries_below(namespace, normalized, files, recursive)

    async def stat(self, namespace: str, path: str) -> NamespaceFileEntry:
        """Describe the file or folder at `path`; raise NamespaceFileNotFound when neither."""
        normalized = normalize_path(path)
        if not normalized:
            check_namespace(namespace)
            return NamespaceFileEntry(namespace, "", EntryType.DIRECTORY)
        stored = await self.storage.stat(file_key(namespace, normalized))
        if stored is not None:
            return NamespaceFileEntry(
                namespace, normalized, EntryType.FILE, stored.size, stored.updated, stored.version
            )
        if await self._is_folder(namespace, normalized):
            return NamespaceFileEntry(namespace, normalized, EntryType.DIRECTORY)
        raise _not_found(namespace, normalized)

    async def read(self, namespace: str, path: str) -> bytes:
        """Return a file's content; raise NamespaceFileNotFound when no file is there."""
        normalized = normalize_file_path(path)
        try:
            return await self.storage.get(file_key(namespace, normalized))
        except FileNotFoundInStorage:
            if await self._is_folder(namespace, normalized):
                raise InvalidNamespaceFilePath(
                    f"cannot read {display_path(normalized)!r} of namespace {namespace!r}: "
                    "it is a folder, not a file"
                ) from None
            raise _not_found(namespace, normalized) from None

    async def write(self, namespace: str, path: str, data: bytes) -> NamespaceFileEntry:
        """Create or replace a file; raise NamespaceFileConflict when a folder is in the way."""
        normalized = normalize_file_path(path)
        key = file_key(namespace, normalized)
        await self._check_free_for_file(namespace, normalized)
        stored = await self.storage.put(key, data)
        logger.info("Wrote namespace file %s of namespace %s", display_path(normalized), namespace)
        return NamespaceFileEntry(
            namespace, normalized, EntryType.FILE, stored.size, stored.updated, stored.version
        )

    async def move(self, namespace: str, source: str, destination: str) -> int:
        """Move a file or a folder with everything in it; return how many files moved.

        The destination must not exist yet: raise NamespaceFileConflict when it does, or when a
        folder would move into itself.
        """
        source_path = normalize_file_path(source)
        destination_path = normalize_file_path(destination)
        if source_path == destination_path:
            await self.stat(namespace, source_path)
            return 0
        moves = await self._planned_moves(namespace, source_path, destination_path)
        await self._check_free(namespace, destination_path)
        for old, new in moves:
            await self.storage.move(file_key(namespace, old), file_key(namespace, new))
        logger.info(
            "Moved %d namespace file(s) of namespace %s from %s to %s",
            len(moves),
            namespace,
            display_path(source_path),
            display_path(destination_path),
        )
        return len(moves)

    async def delete(self, namespace: str, path: str) -> int:
        """Delete a file, or a folder with everything in it; return how many files went."""
        normalized = normalize_path(path)
        if not normalized:
            raise InvalidNamespaceFilePath(
                f"refusing to delete the root folder of namespace {namespace!r}: delete the "
                "files and folders inside it instead"
            )
        if await self.storage.delete(file_key(namespace, normalized)):
            deleted = 1
        else:
            deleted = await self.storage.delete_prefix(folder_prefix(namespace, normalized))
            if not deleted:
                raise _not_found(namespace, normalized)
        logger.info(
            "Deleted %d namespace file(s) of namespace %s at %s",
            deleted,
            namespace,
            display_path(normalized),
        )
        return deleted

    async def _planned_moves(
        self, namespace: str, source: str, destination: str
    ) -> builtins.list[tuple[str, str]]:
        if await self._is_file(namespace, source):
            return [(source, destination)]
        if destination.startswith(source + "/"):
            raise NamespaceFileConflict(
                f"cannot move folder {display_path(source)!r} of namespace {namespace!r} into "
                f"itself ({display_path(destination)!r})"
            )
        files = await self.files(namespace, source)
        if not files:
            raise _not_found(namespace, source)
        return [(entry.path, destination + entry.path[len(source) :]) for entry in files]

    async def _check_free(self, namespace: str, path: str) -> None:
        """Raise NamespaceFileConflict when a file or folder already exists at `path`."""
        if await self._is_file(namespace, path) or await self._is_folder(namespace, path):
            raise NamespaceFileConflict(
                f"{display_path(path)!r} already exists in namespace {namespace!r}; move or "
                "delete it first"
            )
        await self._check_parents(namespace, path)

    async def _check_free_for_file(self, namespace: str, path: str) -> None:
        if await self._is_folder(namespace, path):
            raise NamespaceFileConflict(
                f"cannot write file {display_path(path)!r} in namespace {namespace!r}: a folder "
                "with that path exists; delete or move the folder first"
            )
        await self._check_parents(namespace, path)

    async def _check_parents(self, namespace: str, path: str) -> None:
        for folder in parent_folders(path):
            if await self._is_file(namespace, folder):
                raise NamespaceFileConflict(
                    f"cannot put {display_path(path)!r} in namespace {namespace!r}: "
                    f"{display_path(folder)!r} is a file, not a folder"
                )

    async def _is_file(self, namespace: str, path: str) -> bool:
        return await self.storage.stat(file_key(namespace, path)) is not None

    async def _is_folder(self, namespace: str, path: str) -> bool:
        async for stored in self.storage.list(folder_prefix(namespace, path)):
            if _file_entry(namespace, stored) is not None:
                return True
        return False


def _file_entry(namespace: str, stored: StoredObject) -> NamespaceFileEntry | None:
    path = path_from_key(namespace, stored.key)
    if path is None:
        # Another writer put a key that this mapping does not make; it is not a namespace file.
        logger.warning(
            "Ignoring storage key %r under %r: it is not a namespace file key",
            stored.key,
            namespace_prefix(namespace),
        )
        return None
    return NamespaceFileEntry(
        namespace, path, EntryType.FILE, stored.size, stored.updated, stored.version
    )


def _entries_below(
    namespace: str, folder: str, files: builtins.list[NamespaceFileEntry], recursive: bool
) -> builtins.list[NamespaceFileEntry]:
    start = len(folder) + 1 if folder else 0
    entries: dict[str, NamespaceFileEntry] = {}
    for entry in files:
        relative = entry.path[start:].split("/")
        depth = len(relative) if recursive else 1
        # Every folder between `folder` and the file, up to the depth shown.
        for index in range(1, min(depth, len(relative) - 1) + 1):
            path = entry.path[:start] + "/".join(relative[:index])
            entries.setdefault(path, NamespaceFileEntry(namespace, path, EntryType.DIRECTORY))
        if recursive or len(relative) == 1:
            entries[entry.path] = entry
    return sorted(entries.values(), key=lambda entry: entry.path)


def _not_found(namespace: str, path: str) -> NamespaceFileNotFound:
    return NamespaceFileNotFound(
        f"namespace {namespace!r} has no file or folder at {display_path(path)!r}"
    )
