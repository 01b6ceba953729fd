"""The files a working directory starts with: namespace files, then `inputFiles` over them.

`inputFiles` maps file names to their content: text written as it renders, or the URI of a
file to copy, `kestra:///...` for a file in internal storage or `nsfile:///path` for a
namespace file (`nsfile://other.namespace/path` for another namespace's). A map or list value
is written as its JSON text. The property may also be an expression rendering such a map, or
JSON text of one.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lanner.errors import FileNotFoundInStorage, TaskFailure
from lanner.expressions import is_truthy, to_text
from lanner.namespace_files import DownloadRequest, IfExists, NamespaceFileDownloader
from lanner.namespace_files.service import NamespaceFiles as NamespaceFileStore
from lanner.storage import key_from_uri
from lanner.tasks.scripts.working_dir import target_path, write_file
from lanner.tasks.working_files import InputFiles, NamespaceFiles
from lanner.worker.context import RunContext

# A kestra:// URI inside a command or script: percent-encoded segments, as Lanner writes them.
STORAGE_URI = re.compile(r"kestra://[-\w.+~#=/%]*")
_FETCHED_SCHEMES = ("kestra://", "nsfile://")
_SHELL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


async def load_namespace_files(
    context: RunContext, directory: Path, settings: NamespaceFiles | None, where: str
) -> None:
    """Copy the namespace files that `settings` selects into `directory`."""
    if settings is None:
        return
    if not is_truthy(context.render_typed(settings.enabled, f"{where}.enabled")):
        return
    namespaces = _texts(context, settings.namespaces, f"{where}.namespaces")
    request = DownloadRequest(
        namespaces=namespaces or [context.namespace],
        include=_texts(context, settings.include, f"{where}.include"),
        exclude=_texts(context, settings.exclude, f"{where}.exclude"),
        if_exists=IfExists(settings.if_exists),
        folder_per_namespace=is_truthy(
            context.render_typed(settings.folder_per_namespace, f"{where}.folderPerNamespace")
        ),
    )
    downloader = context.namespace_file_downloader or NamespaceFileDownloader(context.storage)
    await downloader.download(request, directory, context.logger)


async def write_input_files(
    context: RunContext, directory: Path, input_files: InputFiles | None
) -> None:
    """Write every file of `inputFiles` into `directory`, replacing what is there."""
    if input_files is None:
        return
    for name, value in rendered_input_files(context, input_files).items():
        target = target_path(directory, name, "inputFiles")
        await write_file(directory, target, await _content(context, value))


def rendered_input_files(context: RunContext, input_files: InputFiles) -> dict[str, Any]:
    """Render `inputFiles` into a map of file name to content or URI."""
    if isinstance(input_files, str):
        rendered = context.render_typed(input_files, "inputFiles")
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError as error:
                raise TaskFailure(
                    f"property 'inputFiles' must render to a map of file name to content, or "
                    f"JSON text of one: {error}"
                ) from error
        if not isinstance(rendered, dict):
            raise TaskFailure(
                f"property 'inputFiles' must render to a map of file name to content, got "
                f"{to_text(rendered)[:200]!r}"
            )
        return {to_text(name): item for name, item in rendered.items()}
    return {
        context.render(str(name), "inputFiles"): _rendered_value(context, item)
        for name, item in input_files.items()
    }


def _rendered_value(context: RunContext, value: Any) -> Any:
    if isinstance(value, str):
        return context.render(value, "inputFiles")
    return context.render_value(value, "inputFiles")


async def _content(context: RunContext, value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str) and value.startswith(_FETCHED_SCHEMES):
        return await fetch_uri(context, value.strip())
    return to_text(value).encode("utf-8")


async def fetch_uri(context: RunContext, uri: str) -> bytes:
    """Read a `kestra://` file of an execution or an `nsfile://` namespace file."""
    if uri.startswith("nsfile://"):
        parsed = urlparse(uri)
        namespace = parsed.netloc or context.namespace
        return await NamespaceFileStore(context.storage).read(namespace, unquote(parsed.path))
    key = key_from_uri(uri)
    namespace_prefix = "/".join(context.namespace.split(".")) + "/"
    if not key.startswith(namespace_prefix) or "/executions/" not in key:
        raise TaskFailure(
            f"cannot read {uri!r}: only files of executions in namespace {context.namespace!r} "
            "and the namespaces below it can be read"
        )
    try:
        return await context.storage.get(key)
    except FileNotFoundInStorage as error:
        raise TaskFailure(f"cannot read {uri!r}: no such file in internal storage") from error


async def localize_storage_uris(context: RunContext, directory: Path, text: str) -> str:
    """Replace each kestra:// URI in `text` by the path of a copy in `directory`.

    Commands can then read files of earlier tasks (`cat {{ outputs.download.uri }}`) as local
    files, as in Kestra.
    """
    copies: dict[str, str] = {}
    for uri in dict.fromkeys(STORAGE_URI.findall(text)):
        # The copy keeps the file's extension, in characters that need no shell quoting.
        name = _SHELL_UNSAFE.sub("_", unquote(uri.rstrip("/").rsplit("/", 1)[-1])) or "file"
        target = target_path(directory, f"{secrets.token_hex(4)}-{name}", "internal storage file")
        await write_file(directory, target, await fetch_uri(context, uri))
        copies[uri] = str(target)
    if not copies:
        return text
    # Longer URIs first, so that a URI that begins another one never replaces part of it.
    pattern = re.compile("|".join(re.escape(uri) for uri in sorted(copies, key=len, reverse=True)))
    return pattern.sub(lambda match: copies[match.group(0)], text)


def _texts(context: RunContext, value: list[str] | str | None, name: str) -> list[str] | None:
    if value is None:
        return None
    rendered = context.render_typed(value, name)
    if isinstance(rendered, str):
        return [rendered]
    if isinstance(rendered, list):
        return [to_text(item) for item in rendered]
    raise TaskFailure(f"property {name!r} must be a text or a list of texts, got {rendered!r}")
