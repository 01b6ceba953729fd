"""Flow revision diffs: a unified diff between the sources of two revisions of a flow.

Listing revisions is `GET /flows/{namespace}/{id}/revisions` and reading one is
`GET /flows/{namespace}/{id}?revision=N&source=true`, both in `lanner.api.flows`.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.responses import JsonResponse
from lanner.backend.flows import StoredFlow
from lanner.errors import FlowNotFound

router = APIRouter(prefix="/flows", tags=["Flows"])

MAX_REVISION = 2**31 - 1

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such flow, or no such revision of it."},
    422: {"model": ErrorBody, "description": "The revisions asked for cannot be compared."},
}


@router.get(
    "/{namespace}/{id}/revisions/diff", responses=ERRORS, summary="Compare two flow revisions"
)
async def diff_revisions(
    namespace: Annotated[str, Path(description="The flow's namespace.")],
    id: Annotated[str, Path(description="The flow's id.")],
    instance: InstanceDependency,
    from_revision: Annotated[
        int | None,
        Query(
            alias="from", ge=1, le=MAX_REVISION, description="Old revision; `to` - 1 if omitted."
        ),
    ] = None,
    to_revision: Annotated[
        int | None,
        Query(
            alias="to", ge=1, le=MAX_REVISION, description="New revision; the latest if omitted."
        ),
    ] = None,
) -> Response:
    """Return `{"namespace", "id", "from", "to", "diff"}`, `diff` being a unified diff of the
    YAML sources (empty when they are equal)."""
    check_text(namespace, "namespace")
    check_text(id, "id")
    async with instance.backend.db.transaction(write=False) as connection:
        revisions = await instance.backend.flows.revisions(connection, namespace, id)
    if not revisions:
        raise FlowNotFound(namespace, id)
    by_number = {stored.revision: stored for stored in revisions}
    newer = to_revision if to_revision is not None else revisions[-1].revision
    older = from_revision if from_revision is not None else newer - 1
    if older < 1:
        raise ApiError(
            422, f"flow {namespace}.{id} has no revision before {newer}; pass `from` explicitly"
        )
    diff = source_diff(
        _revision(by_number, namespace, id, older), _revision(by_number, namespace, id, newer)
    )
    return JsonResponse(
        {"namespace": namespace, "id": id, "from": older, "to": newer, "diff": diff}
    )


def source_diff(older: StoredFlow, newer: StoredFlow) -> str:
    """Return the unified diff from one revision's source to another's."""
    name = f"{older.namespace}.{older.id}"
    lines = difflib.unified_diff(
        _lines(older.source),
        _lines(newer.source),
        fromfile=f"{name} revision {older.revision}",
        tofile=f"{name} revision {newer.revision}",
    )
    return "".join(lines)


def _lines(source: str) -> list[str]:
    # A last line without a newline would run into the next diff line.
    return [line if line.endswith("\n") else line + "\n" for line in source.splitlines(True)]


def _revision(
    by_number: dict[int, StoredFlow], namespace: str, flow_id: str, revision: int
) -> StoredFlow:
    stored = by_number.get(revision)
    if stored is None:
        raise FlowNotFound(namespace, flow_id, revision)
    return stored
