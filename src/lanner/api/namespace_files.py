"""Namespace file routes, on Kestra's paths: list, stat, download, upload, move and delete.

Entries have Kestra's `FileAttributes` shape (`fileName`, `lastModifiedTime` and
`creationTime` in epoch milliseconds, `type` File or Directory, `size`), plus Lanner's `path`
(from the namespace root, with a leading `/`) and `version` (the stored ETag or checksum).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, File, Path, Query, UploadFile
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.responses import JsonResponse
from lanner.errors import StorageError
from lanner.namespace_files import (
    NamespaceFileEntry,
    NamespaceFileError,
    NamespaceFileNotFound,
    NamespaceFiles,
)
from lanner.namespace_files.paths import display_path

logger = logging.getLogger(__name__)

T = TypeVar("T")

router = APIRouter(prefix="/namespaces/{namespace}/files", tags=["Files"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The namespace or a path is invalid."},
    404: {"model": ErrorBody, "description": "No file or folder at that path."},
    503: {"model": ErrorBody, "description": "Internal storage failed."},
}

Namespace = Annotated[str, Path(description="The namespace, such as company.team.")]
FilePath = Annotated[
    str, Query(description="Path from the namespace root, such as /scripts/main.py.")
]


@router.get("/directory", responses=ERRORS, summary="List a folder of namespace files")
async def list_directory(
    namespace: Namespace,
    instance: InstanceDependency,
    path: Annotated[str, Query(description="The folder; the root by default.")] = "/",
    recursive: Annotated[
        bool, Query(description="List everything below the folder, not only its children.")
    ] = False,
) -> Response:
    """Return every file and folder inside the folder, sorted by path."""
    files = NamespaceFiles(instance.storage)
    entries = await _answer(files.list(namespace, path, recursive=recursive))
    return JsonResponse([_attributes(entry) for entry in entries])


@router.get("/stats", responses=ERRORS, summary="Describe a namespace file or folder")
async def stats(namespace: Namespace, path: FilePath, instance: InstanceDependency) -> Response:
    entry = await _answer(NamespaceFiles(instance.storage).stat(namespace, path))
    return JsonResponse(_attributes(entry))


@router.get("", responses=ERRORS, summary="Download a namespace file")
async def download(namespace: Namespace, path: FilePath, instance: InstanceDependency) -> Response:
    data = await _answer(NamespaceFiles(instance.storage).read(namespace, path))
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"},
    )


@router.post("", responses=ERRORS, summary="Upload a namespace file")
async def upload(
    namespace: Namespace,
    path: FilePath,
    instance: InstanceDependency,
    file_content: Annotated[
        UploadFile, File(alias="fileContent", description="The file's content.")
    ],
) -> Response:
    """Create or replace the file at `path`; folders on the way are created."""
    data = await file_content.read()
    entry = await _answer(NamespaceFiles(instance.storage).write(namespace, path, data))
    return JsonResponse(_attributes(entry))


@router.put("", responses=ERRORS, summary="Move a namespace file or folder")
async def move(
    namespace: Namespace,
    instance: InstanceDependency,
    source: Annotated[str, Query(alias="from", description="The file or folder to move.")],
    destination: Annotated[str, Query(alias="to", description="Its new path; must not exist.")],
) -> Response:
    await _answer(NamespaceFiles(instance.storage).move(namespace, source, destination))
    return Response(status_code=204)


@router.delete("", responses=ERRORS, summary="Delete a namespace file or folder")
async def delete(namespace: Namespace, path: FilePath, instance: InstanceDependency) -> Response:
    """Delete a file, or a folder with everything in it."""
    await _answer(NamespaceFiles(instance.storage).delete(namespace, path))
    return Response(status_code=204)


async def _answer(operation: Awaitable[T]) -> T:
    """Await a namespace file operation, turning its errors into API errors."""
    try:
        return await operation
    except NamespaceFileNotFound as error:
        raise ApiError(404, str(error)) from error
    except NamespaceFileError as error:
        raise ApiError(400, str(error)) from error
    except StorageError as error:
        logger.error("Internal storage failed on a namespace file request: %s", error)
        raise ApiError(503, f"internal storage failed: {error}") from error


def _attributes(entry: NamespaceFileEntry) -> dict[str, Any]:
    millis = int(entry.updated.timestamp() * 1000) if entry.updated else 0
    return {
        "fileName": entry.name,
        "path": display_path(entry.path),
        "type": entry.type.value,
        "size": entry.size,
        "lastModifiedTime": millis,
        "creationTime": millis,
        "version": entry.version,
    }
