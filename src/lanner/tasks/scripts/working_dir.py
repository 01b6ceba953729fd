"""The working directory of a script task: created fresh for each attempt, removed afterwards.

Paths that tasks write into it (input files, files fetched from internal storage) are checked
first: they stay relative, never climb out with `..`, and are never written through a symbolic
link, which an earlier task sharing the directory (inside a WorkingDirectory) could have left.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from lanner.errors import TaskFailure

# Files up to this size are written from the event loop; a thread costs more than the write.
_INLINE_WRITE_BYTES = 256 * 1024


@contextlib.asynccontextmanager
async def fresh_working_directory(task_id: str) -> AsyncIterator[Path]:
    """Create an empty working directory for one attempt and remove it with everything in it."""
    path = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=f"lanner-{task_id}-"))
    try:
        yield path
    finally:
        # Shielded: a second cancellation must not leave the directory behind.
        await asyncio.shield(asyncio.to_thread(shutil.rmtree, path, ignore_errors=True))


def target_path(directory: Path, name: str, what: str) -> Path:
    """Return where the file `name` goes in `directory`, or raise TaskFailure for a bad name."""
    relative = name.strip()
    if not relative or "\x00" in relative:
        raise TaskFailure(f"invalid {what} name {name!r}: expected a relative file path")
    if relative.startswith("/") or Path(relative).is_absolute():
        raise TaskFailure(
            f"invalid {what} name {name!r}: it must be relative to the working directory"
        )
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise TaskFailure(f"invalid {what} name {name!r}: '..' would leave the working directory")
    if not parts:
        raise TaskFailure(f"invalid {what} name {name!r}: expected a file name")
    return directory.joinpath(*parts)


async def write_file(directory: Path, target: Path, data: bytes) -> None:
    """Write `data` at `target` below `directory`, creating folders, never through a link."""
    if len(data) <= _INLINE_WRITE_BYTES:
        _write(directory, target, data)
    else:
        await asyncio.to_thread(_write, directory, target, data)


def _write(directory: Path, target: Path, data: bytes) -> None:
    _make_folders(directory, target.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(target, flags, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise TaskFailure(
                f"cannot write {target}: it is a symbolic link, and task files are never "
                "written through links"
            ) from error
        raise TaskFailure(f"cannot write {target}: {error.strerror or error}") from error
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _make_folders(directory: Path, folder: Path) -> None:
    relative = folder.relative_to(directory)
    current = directory
    for part in relative.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            current.mkdir()
            continue
        if stat.S_ISLNK(mode):
            raise TaskFailure(
                f"cannot write below {current}: it is a symbolic link, and task files are never "
                "written through links"
            )
        if not stat.S_ISDIR(mode):
            raise TaskFailure(f"cannot write below {current}: it is a file, not a folder")
