"""The files a task keeps: `outputFiles` patterns matched in the working directory.

A pattern is a glob relative to the working directory, as in Kestra: `*.csv` matches CSV files
at the top only, `**.csv` or `out/**` at any depth, `data/?.txt` in one folder. `*` and `?`
stay within one folder, `**` crosses folders. A pattern starting with `glob:` or `regex:` is
matched against the file's absolute path instead. Each matching regular file is stored in
internal storage under the task run, keyed by its path relative to the working directory.
Symbolic links are never followed, so no file outside the directory can be kept.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from lanner.errors import TaskFailure
from lanner.expressions import to_text
from lanner.namespace_files import InvalidGlobPattern
from lanner.namespace_files.matching import glob_to_regex
from lanner.tasks.working_files import OutputFiles
from lanner.worker.context import RunContext


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    # True: matched against the absolute path; False: against "/" + the relative path.
    absolute: bool


def rendered_patterns(
    context: RunContext, output_files: OutputFiles | None, name: str
) -> list[str]:
    """Render `outputFiles` into a list of patterns."""
    if output_files is None:
        return []
    rendered = context.render_typed(output_files, name)
    if isinstance(rendered, str):
        return [rendered] if rendered.strip() else []
    if isinstance(rendered, list):
        return [to_text(item) for item in rendered]
    raise TaskFailure(f"property {name!r} must be a list of file patterns, got {rendered!r}")


async def store_output_files(
    context: RunContext, directory: Path, patterns: list[str]
) -> dict[str, str]:
    """Store the files matching `patterns`; return their relative paths and kestra:// URIs."""
    if not patterns:
        return {}
    found = await asyncio.to_thread(matching_files, directory, patterns)
    stored = {}
    for relative in found:
        data = await asyncio.to_thread((directory / relative).read_bytes)
        stored[relative] = await context.put_file(relative, data)
    return stored


def _compile(pattern: str) -> _Pattern:
    try:
        if pattern.startswith("regex:"):
            return _Pattern(re.compile(pattern[len("regex:") :], re.S), absolute=True)
        if pattern.startswith("glob:"):
            return _Pattern(re.compile(glob_to_regex(pattern[len("glob:") :]), re.S), True)
        return _Pattern(re.compile(glob_to_regex("/" + pattern.lstrip("/")), re.S), False)
    except (InvalidGlobPattern, re.error) as error:
        raise TaskFailure(f"invalid outputFiles pattern {pattern!r}: {error}") from error


def matching_files(directory: Path, patterns: list[str]) -> list[str]:
    """List the regular files below `directory` that match a pattern, as sorted relative paths."""
    compiled = [_compile(pattern) for pattern in patterns]
    found = []
    for folder, _, files in os.walk(directory):
        # os.walk lists links to folders but never enters them.
        for name in files:
            path = os.path.join(folder, name)
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue  # a symbolic link, a socket or a pipe
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            if any(_matches(pattern, path, relative) for pattern in compiled):
                found.append(relative)
    return sorted(found)


def _matches(pattern: _Pattern, path: str, relative: str) -> bool:
    subject = path if pattern.absolute else "/" + relative
    return pattern.regex.fullmatch(subject) is not None
