"""Namespace file tasks: UploadFiles, DownloadFiles and DeleteFiles."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from lanner.errors import FileNotFoundInStorage, TaskFailure
from lanner.namespace_files import (
    NamespaceFileEntry,
    NamespaceFileNotFound,
    NamespaceFiles,
    PathMatcher,
)
from lanner.namespace_files.paths import display_path, normalize_path
from lanner.storage import execution_file_key, key_from_uri
from lanner.tasks.base import RunnableTask
from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicBool, Text

if TYPE_CHECKING:
    from lanner.worker.context import RunContext

# Glob patterns or paths, as a list or as one text.
FilePatterns = list[str] | str

# Files one DownloadFiles task copies at the same time.
_DOWNLOADS_AT_ONCE = 8


class UploadFiles(RunnableTask):
    """Store internal storage files (inputs, outputs of earlier tasks) as namespace files."""

    type_names = ("io.kestra.plugin.core.namespace.UploadFiles",)

    namespace: Text
    # Globs (`glob:**/dbt/**`) or paths of working directory files; a map is the older form
    # of `filesMap`.
    files: list[str] | dict[str, Any] | str | None = None
    # Target path to source URI, or an expression rendering to such a map.
    files_map: dict[str, Any] | str | None = None
    destination: Text = "/"
    conflict: Annotated[str, one_of("OVERWRITE", "ERROR", "SKIP", dynamic=False)] = "OVERWRITE"

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        namespace = context.render(self.namespace, "namespace")
        destination = normalize_path(context.render(self.destination, "destination"))
        sources = self._sources(context)
        files = NamespaceFiles(context.storage)
        uploaded = 0
        for target, uri in sources.items():
            path = normalize_path(f"{destination}/{target}" if destination else target)
            if await self._upload(context, files, namespace, path, uri):
                uploaded += 1
        context.logger.info(f"uploaded {uploaded} file(s) to namespace {namespace!r}")
        return None

    def _sources(self, context: RunContext) -> dict[str, str]:
        """Collect target path to source URI pairs from `filesMap` and `files`."""
        if self.files is None and self.files_map is None:
            raise TaskFailure(f"task {self.id!r}: set `files` or `filesMap`")
        sources: dict[str, str] = {}
        if self.files_map is not None:
            sources.update(_rendered_map(context, self.files_map, "filesMap"))
        if isinstance(self.files, dict) or (
            isinstance(self.files, str) and self.files.strip().startswith("{")
        ):
            sources.update(_rendered_map(context, self.files, "files"))
        elif self.files is not None:
            for item in _rendered_list(context, self.files, "files"):
                if not item.startswith("kestra://"):
                    # NOTE: Kestra matches these globs against the files of a WorkingDirectory
                    # task, which Lanner does not run yet.
                    raise TaskFailure(
                        f"task {self.id!r}: `files` entry {item!r} is a working directory glob, "
                        "which needs a WorkingDirectory task; pass kestra:// URIs or use "
                        "`filesMap` instead"
                    )
                sources[key_from_uri(item).rsplit("/", 1)[-1]] = item
        return sources

    async def _upload(
        self, context: RunContext, files: NamespaceFiles, namespace: str, path: str, uri: str
    ) -> bool:
        key = _execution_key(context, uri, "filesMap")
        if self.conflict != "OVERWRITE" and await _exists(files, namespace, path):
            if self.conflict == "ERROR":
                raise TaskFailure(
                    f"task {self.id!r}: namespace file {display_path(path)!r} already exists in "
                    f"namespace {namespace!r} and conflict is ERROR"
                )
            context.logger.debug(f"kept the existing namespace file {display_path(path)!r}")
            return False
        try:
            data = await context.storage.get(key)
        except FileNotFoundInStorage:
            # Kestra skips a source file that does not exist.
            context.logger.warn(f"skipped {uri}: no such file in internal storage")
            return False
        await files.write(namespace, path, data)
        context.logger.debug(f"uploaded {uri} to {display_path(path)!r}")
        return True


class DownloadFiles(RunnableTask):
    """Copy matching namespace files into this task run's files in internal storage."""

    type_names = ("io.kestra.plugin.core.namespace.DownloadFiles",)

    namespace: Text
    files: FilePatterns = Field(min_length=1)
    destination: Text | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        namespace = context.render(self.namespace, "namespace")
        patterns = _rendered_list(context, self.files, "files")
        destination = normalize_path(context.render(self.destination or "", "destination"))
        files = NamespaceFiles(context.storage)
        matched = await _matching(files, namespace, patterns)
        limit = asyncio.Semaphore(_DOWNLOADS_AT_ONCE)

        async def copy(entry: NamespaceFileEntry) -> tuple[str, str]:
            async with limit:
                data = await files.read(namespace, entry.path)
                name = f"{destination}/{entry.path}" if destination else entry.path
                return display_path(entry.path), await context.put_file(name, data)

        copied = await asyncio.gather(*(copy(entry) for entry in matched))
        context.logger.info(f"downloaded {len(copied)} file(s) from namespace {namespace!r}")
        return {"files": dict(copied)}


class DeleteFiles(RunnableTask):
    """Delete the namespace files that match glob patterns."""

    type_names = ("io.kestra.plugin.core.namespace.DeleteFiles",)

    namespace: Text
    files: FilePatterns
    # NOTE: a folder exists only while it contains a file, so folders emptied by the deletion
    # go away whatever this says. Kestra keeps them unless it is true.
    delete_parent_folder: DynamicBool = False

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        namespace = context.render(self.namespace, "namespace")
        patterns = _rendered_list(context, self.files, "files")
        files = NamespaceFiles(context.storage)
        matched = await _matching(files, namespace, patterns)
        for entry in matched:
            await files.delete(namespace, entry.path)
            context.logger.debug(f"deleted {display_path(entry.path)!r}")
        context.logger.info(f"deleted {len(matched)} file(s) from namespace {namespace!r}")
        return None


async def _matching(
    files: NamespaceFiles, namespace: str, patterns: list[str]
) -> list[NamespaceFileEntry]:
    matcher = PathMatcher(patterns)
    return [entry for entry in await files.files(namespace) if matcher.matches(entry.path)]


async def _exists(files: NamespaceFiles, namespace: str, path: str) -> bool:
    try:
        await files.stat(namespace, path)
    except NamespaceFileNotFound:
        return False
    return True


def _rendered_list(context: RunContext, value: FilePatterns, name: str) -> list[str]:
    rendered = context.render_typed(value, name)
    if isinstance(rendered, str):
        return [rendered]
    if isinstance(rendered, list) and all(isinstance(item, str) for item in rendered):
        return rendered
    raise TaskFailure(f"property {name!r} must be a text or a list of texts, got {rendered!r}")


def _rendered_map(context: RunContext, value: dict[str, Any] | str, name: str) -> dict[str, str]:
    rendered = context.render_typed(value, name)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError as error:
            raise TaskFailure(
                f"property {name!r} must be a map of target path to kestra:// URI, or JSON "
                f"text of one: {error}"
            ) from error
    if not isinstance(rendered, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in rendered.items()
    ):
        raise TaskFailure(
            f"property {name!r} must be a map of target path to kestra:// URI, got {rendered!r}"
        )
    return rendered


def _execution_key(context: RunContext, uri: str, name: str) -> str:
    """Return the storage key of a file of the current execution, or raise TaskFailure."""
    key = key_from_uri(uri)
    prefix = execution_file_key(context.namespace, context.flow_id, context.execution_id) + "/"
    if not key.startswith(prefix):
        raise TaskFailure(
            f"{name} source {uri!r} is not a file of the current execution; only inputs and "
            "outputs of this execution can be uploaded"
        )
    return key
