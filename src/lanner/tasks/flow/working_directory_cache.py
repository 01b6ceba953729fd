"""The `cache` of a WorkingDirectory: files kept in internal storage from one run to the next.

After the children ran, the files matching `cache.patterns` are zipped and stored once per flow
and WorkingDirectory (and loop value, inside a loop), unless none changed since the cache was
restored. Before the children run, a stored archive younger than `cache.ttl` is unpacked into
the working directory.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from lanner.durations import parse_duration
from lanner.errors import FileNotFoundInStorage
from lanner.tasks.scripts.output_files import matching_files
from lanner.tasks.scripts.working_dir import target_path, write_file
from lanner.timestamps import utc_now
from lanner.worker.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.flow.working_directory import WorkingDirectory


def cache_key(context: RunContext, task: WorkingDirectory) -> str:
    """Return the storage key of the task's cache archive.

    `_cache` cannot be an execution folder nor start a flow id, so the key never meets
    execution files.
    """
    parts = [*context.namespace.split("."), context.flow_id, "_cache", task.id]
    value = (context.variables.get("taskrun") or {}).get("value")
    if value is not None:
        parts.append(quote(str(value), safe="") or "_")
    return "/".join([*parts, "cache.zip"])


async def restore_cache(
    context: RunContext, task: WorkingDirectory, directory: Path
) -> float | None:
    """Unpack the stored cache into `directory`; return when, or None without a valid cache."""
    if task.cache is None:
        return None
    key = cache_key(context, task)
    stored = await context.storage.stat(key)
    if stored is None:
        return None
    ttl = task.cache.ttl
    if isinstance(ttl, str):
        rendered = context.render_typed(ttl, "cache.ttl")
        ttl = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
    if ttl is not None and stored.updated is not None and stored.updated + ttl < utc_now():
        context.logger.debug("the WorkingDirectory cache expired; it is not restored")
        return None
    try:
        archive = await context.storage.get(key)
    except FileNotFoundInStorage:
        return None
    restored_at = time.time()
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        for entry in files.infolist():
            if entry.is_dir():
                continue
            target = target_path(directory, entry.filename, "cache")
            await write_file(directory, target, files.read(entry))
    context.logger.debug(f"restored {key} into the working directory")
    return restored_at


async def save_cache(
    context: RunContext, task: WorkingDirectory, directory: Path, restored_at: float | None
) -> None:
    """Store the files matching `cache.patterns`, unless none changed since `restored_at`."""
    if task.cache is None:
        return
    files = await asyncio.to_thread(matching_files, directory, list(task.cache.patterns))
    if restored_at is not None and not any(
        os.lstat(directory / relative).st_mtime > restored_at for relative in files
    ):
        context.logger.debug("the cached files did not change; the cache is kept as it is")
        return
    archive = await asyncio.to_thread(_zip, directory, files)
    await context.storage.put(cache_key(context, task), archive)
    context.logger.debug(f"stored {len(files)} file(s) in the WorkingDirectory cache")


def _zip(directory: Path, files: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in files:
            archive.write(directory / relative, relative)
    return buffer.getvalue()
