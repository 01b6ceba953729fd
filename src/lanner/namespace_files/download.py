"""Copy the namespace files a task selects into its working directory, in parallel.

Script tasks call `NamespaceFileDownloader.download()` before they start. The files of every
requested namespace are listed (one listing per namespace, which also gives each file's
version), filtered by the include and exclude patterns, merged so that a later namespace wins
on the same path, and fetched concurrently:

- at most `limits.per_task` downloads of one call at a time, by running that many workers;
- at most `limits.instance` downloads of the whole worker process at a time, through the
  semaphore every call shares;
- a file whose (namespace, path, version) is in the content cache is written from memory
  without a request.

Every destination path is checked before anything is downloaded. A folder on the way that is
a symbolic link, or a file where a folder must be, is rejected. Files are opened with
`O_NOFOLLOW`. So nothing is written outside the destination folder.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from lanner.errors import FileNotFoundInStorage
from lanner.namespace_files.cache import CacheKey, ContentCache
from lanner.namespace_files.errors import (
    InvalidNamespaceFilePath,
    NamespaceFileError,
    NamespaceFileNotFound,
)
from lanner.namespace_files.keys import file_key
from lanner.namespace_files.limits import DownloadLimits
from lanner.namespace_files.matching import PathMatcher
from lanner.namespace_files.paths import check_namespace, display_path
from lanner.namespace_files.service import NamespaceFileEntry, NamespaceFiles
from lanner.settings import NamespaceFilesConfig
from lanner.storage import Storage, StoredContent

logger = logging.getLogger(__name__)

# Files up to this size are written from the event loop, because a thread costs more than the
# write.
_INLINE_WRITE_BYTES = 256 * 1024
_WRITES_BETWEEN_YIELDS = 64


class IfExists(StrEnum):
    """The action taken when a file to download already exists in the destination."""

    OVERWRITE = "OVERWRITE"
    FAIL = "FAIL"
    WARN = "WARN"  # keep the existing file and log a warning
    IGNORE = "IGNORE"  # keep the existing file silently


class DestinationExists(NamespaceFileError):
    """A file to download already exists in the destination and `ifExists` is FAIL."""


class TaskLog(Protocol):
    """The part of a task run's logger that downloads write to."""

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass(frozen=True)
class DownloadRequest:
    """The namespace files a task requests, and their layout in its working directory."""

    namespaces: Sequence[str]
    include: Sequence[str] | None = None
    exclude: Sequence[str] | None = None
    if_exists: IfExists = IfExists.OVERWRITE
    # Put each namespace's files in a folder named after the namespace.
    folder_per_namespace: bool = False


@dataclass(frozen=True)
class DownloadedFile:
    namespace: str
    path: str  # the namespace file's normalised path
    destination: Path
    size: int
    from_cache: bool


@dataclass
class DownloadReport:
    files: list[DownloadedFile] = field(default_factory=list)
    # Files that existed in the destination and were kept (ifExists WARN or IGNORE).
    kept: list[Path] = field(default_factory=list)

    @property
    def from_storage(self) -> int:
        return sum(not item.from_cache for item in self.files)

    @property
    def from_cache(self) -> int:
        return sum(item.from_cache for item in self.files)


@dataclass(frozen=True)
class _Target:
    entry: NamespaceFileEntry
    relative: str  # destination path relative to the destination folder
    destination: Path


class NamespaceFileDownloader:
    """Downloads namespace files for the tasks of one worker process.

    One downloader is shared by every task of the process, because it owns the instance-wide
    limit and the content cache.
    """

    def __init__(
        self,
        storage: Storage,
        limits: DownloadLimits | None = None,
        cache: ContentCache | None = None,
    ) -> None:
        self.files = NamespaceFiles(storage)
        self.storage = storage
        self.limits = limits or DownloadLimits.from_settings(None, None)
        self.cache = cache

    @classmethod
    def from_settings(
        cls, storage: Storage, config: NamespaceFilesConfig
    ) -> NamespaceFileDownloader:
        """Build the downloader of a worker process from the `namespace_files` settings."""
        limits = DownloadLimits.from_settings(
            config.max_concurrent_downloads, config.max_concurrent_downloads_per_task
        )
        cache = ContentCache(config.cache_max_bytes) if config.cache_enabled else None
        return cls(storage, limits, cache)

    async def download(
        self, request: DownloadRequest, destination: Path, task_log: TaskLog | None = None
    ) -> DownloadReport:
        """Copy the selected namespace files into `destination`; return what was written."""
        started = time.monotonic()
        matcher = PathMatcher(request.include, request.exclude)
        for namespace in request.namespaces:
            check_namespace(namespace)
        listings = await asyncio.gather(
            *(self.files.files(namespace) for namespace in request.namespaces)
        )
        root = await asyncio.to_thread(_prepare_root, destination)
        selected = _merge(request, listings, matcher, root)
        report = DownloadReport()
        targets = await asyncio.to_thread(_prepare, selected, root, request.if_exists, report)
        for kept in report.kept:
            if request.if_exists is IfExists.WARN and task_log is not None:
                task_log.warn(f"kept the existing file {kept}: ifExists is WARN")
        await self._fetch_all(targets, report)
        self._log_done(request, report, time.monotonic() - started, task_log)
        return report

    async def _fetch_all(self, targets: list[_Target], report: DownloadReport) -> None:
        queue = iter(targets)
        workers = min(self.limits.per_task, len(targets))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(self._work(queue, report))
        except BaseExceptionGroup as errors:
            # The first failure stops the other workers; it is the one the task reports.
            first = errors.exceptions[0]
            raise first from first.__cause__

    async def _work(self, queue: Iterator[_Target], report: DownloadReport) -> None:
        # Workers share one iterator, so each target is taken by exactly one of them.
        for written, target in enumerate(queue, start=1):
            data, from_cache = await self._content(target.entry)
            if len(data) <= _INLINE_WRITE_BYTES:
                _write_file(target.destination, data)
            else:
                await asyncio.to_thread(_write_file, target.destination, data)
            if written % _WRITES_BETWEEN_YIELDS == 0:
                # Cache hits never suspend, so let the worker's other tasks run now and then.
                await asyncio.sleep(0)
            entry = target.entry
            report.files.append(
                DownloadedFile(
                    entry.namespace, entry.path, target.destination, len(data), from_cache
                )
            )

    async def _content(self, entry: NamespaceFileEntry) -> tuple[bytes, bool]:
        if self.cache is None or entry.version is None:
            return (await self._fetch(entry)).data, False
        key = CacheKey(entry.namespace, entry.path, entry.version)
        return await self.cache.get_or_load(key, lambda: self._fetch(entry))

    async def _fetch(self, entry: NamespaceFileEntry) -> StoredContent:
        async with self.limits.slots:
            try:
                return await self.storage.fetch(file_key(entry.namespace, entry.path))
            except FileNotFoundInStorage:
                raise NamespaceFileNotFound(
                    f"namespace file {display_path(entry.path)!r} of namespace "
                    f"{entry.namespace!r} was deleted while it was being downloaded; run the "
                    "task again"
                ) from None

    def _log_done(
        self,
        request: DownloadRequest,
        report: DownloadReport,
        seconds: float,
        task_log: TaskLog | None,
    ) -> None:
        message = (
            f"Loaded {len(report.files)} namespace file(s) from {', '.join(request.namespaces)} "
            f"in {seconds:.3f} s ({report.from_storage} downloaded, {report.from_cache} from "
            "the cache)"
        )
        logger.debug(message)
        if task_log is not None:
            task_log.info(message)


def _merge(
    request: DownloadRequest,
    listings: Sequence[list[NamespaceFileEntry]],
    matcher: PathMatcher,
    root: Path,
) -> list[_Target]:
    """Select matching files; a later namespace replaces an earlier one's file at a path."""
    selected: dict[str, _Target] = {}
    for namespace, files in zip(request.namespaces, listings, strict=True):
        for entry in files:
            if not matcher.matches(entry.path):
                continue
            relative = f"{namespace}/{entry.path}" if request.folder_per_namespace else entry.path
            selected[relative] = _Target(entry, relative, root.joinpath(*relative.split("/")))
    return sorted(selected.values(), key=lambda target: target.relative)


def _prepare_root(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    return destination.resolve(strict=True)


def _prepare(
    targets: list[_Target], root: Path, if_exists: IfExists, report: DownloadReport
) -> list[_Target]:
    """Create the folders of every target and apply `ifExists`; return what to download."""
    checked: set[str] = set()
    existing: list[_Target] = []
    for target in targets:
        _make_folders(root, target.relative, checked)
        if _exists(target):
            existing.append(target)
    if existing and if_exists is IfExists.FAIL:
        shown = ", ".join(str(target.destination) for target in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise DestinationExists(
            f"{len(existing)} namespace file(s) already exist in {root}: {shown}{more}; "
            "set ifExists to OVERWRITE to replace them, or to WARN or IGNORE to keep them and "
            "go on"
        )
    if existing and if_exists in (IfExists.WARN, IfExists.IGNORE):
        report.kept.extend(target.destination for target in existing)
        skipped = {id(target) for target in existing}
        return [target for target in targets if id(target) not in skipped]
    return targets


def _make_folders(root: Path, relative: str, checked: set[str]) -> None:
    """Create the folders of `relative` below root, rejecting links and files on the way."""
    segments = relative.split("/")[:-1]
    for index in range(len(segments)):
        folder = "/".join(segments[: index + 1])
        if folder in checked:
            continue
        path = root.joinpath(*segments[: index + 1])
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            path.mkdir()
            mode = stat.S_IFDIR
        if stat.S_ISLNK(mode):
            raise InvalidNamespaceFilePath(
                f"cannot download into {display_path(relative)!r}: {path} is a symbolic link, "
                "and namespace files are never written through links"
            )
        if not stat.S_ISDIR(mode):
            raise InvalidNamespaceFilePath(
                f"cannot download {display_path(relative)!r}: {path} is a file, not a folder"
            )
        checked.add(folder)


def _exists(target: _Target) -> bool:
    try:
        mode = os.lstat(target.destination).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(mode):
        raise InvalidNamespaceFilePath(
            f"cannot download {display_path(target.relative)!r}: {target.destination} is a folder"
        )
    return True


def _write_file(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o644)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidNamespaceFilePath(
                f"cannot write {path}: it is a symbolic link, and namespace files are never "
                "written through links"
            ) from error
        raise NamespaceFileError(f"could not write the namespace file {path}: {error}") from error
