"""Flow routes: deploy, update, read, search, delete, list revisions and validate."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lanner.api.bodies import media_type, read_yaml_body, yaml_files
from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.flow_views import flow_json, validation_json
from lanner.api.responses import JsonResponse
from lanner.backend.flows import StoredFlow
from lanner.errors import FlowNotFound, InvalidFlow, Problem
from lanner.flows.parser import ParsedDocument
from lanner.flows.service import DeployResult
from lanner.instance import Instance

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/flows", tags=["Flows"])

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000
MAX_REVISION = 2**31 - 1

YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The flow's YAML source.",
        "content": {"application/x-yaml": {"schema": {"type": "string"}}},
    }
}
VALIDATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "YAML holding one or more `---`-separated flows, or files named `flows`.",
        "content": {
            "application/x-yaml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "flows": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            },
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No flow has that namespace and id."},
    422: {"model": ErrorBody, "description": "The flow is invalid; `problems` lists why."},
}

Namespace = Annotated[str, Path(description="The flow's namespace.")]
FlowId = Annotated[str, Path(description="The flow's id.")]


@router.post("", openapi_extra=YAML_BODY, responses=ERRORS, summary="Create a flow")
async def create_flow(request: Request, instance: InstanceDependency) -> Response:
    """Deploy a new flow from its YAML source and return it with its revision and source.

    As in Kestra, a flow that is already deployed is rejected (422): update it with PUT.
    """
    document = await _parse_one(instance, await read_yaml_body(request))
    flow = document.flow
    assert flow is not None
    if await _latest(instance, flow.namespace, flow.id) is not None:
        raise ApiError(
            422,
            f"flow.id: Flow id already exists: {flow.namespace}.{flow.id} is deployed; "
            f"update it with PUT /api/v1/flows/{flow.namespace}/{flow.id}",
        )
    result = await instance.flows.deploy(flow, _document_source(document))
    return JsonResponse(await _deployed_json(instance, result))


@router.put("/{namespace}/{id}", openapi_extra=YAML_BODY, responses=ERRORS, summary="Update a flow")
async def update_flow(
    namespace: Namespace, id: FlowId, request: Request, instance: InstanceDependency
) -> Response:
    """Deploy a new revision of a flow; the body's namespace and id must match the path."""
    _check_ids(namespace, id)
    await instance.flows.get(namespace, id)
    document = await _parse_one(instance, await read_yaml_body(request))
    flow = document.flow
    assert flow is not None
    if (flow.namespace, flow.id) != (namespace, id):
        raise ApiError(
            422,
            f"the body holds flow {flow.namespace}.{flow.id} but the path names "
            f"{namespace}.{id}; a flow's namespace and id cannot change, so make them match",
        )
    result = await instance.flows.deploy(flow, _document_source(document))
    return JsonResponse(await _deployed_json(instance, result))


@router.get("/search", summary="Search for flows")
async def search_flows(
    instance: InstanceDependency,
    namespace: Annotated[
        str | None, Query(description="Only flows of this namespace and its children.")
    ] = None,
    q: Annotated[str | None, Query(description="Text found in the flow's id or namespace.")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Flows per page.")] = 10,
) -> Response:
    """Return `{"results": [flow, ...], "total": N}`, ordered by namespace and id."""
    check_text(namespace, "namespace")
    check_text(q, "q")
    flows, total = await instance.flows.search(namespace, q, page, size)
    results = [flow_json(stored, include_source=False) for stored in flows]
    return JsonResponse({"results": results, "total": total})


@router.post("/validate", openapi_extra=VALIDATE_BODY, summary="Validate flows")
async def validate_flows(request: Request, instance: InstanceDependency) -> Response:
    """Validate every flow of the body without deploying any: one result per YAML document."""
    if media_type(request) == "multipart/form-data":
        sources: list[tuple[str | None, str]] = list(
            await yaml_files(await request.form(), "flows")
        )
    else:
        sources = [(None, await read_yaml_body(request))]
    results: list[dict[str, Any]] = []
    for filename, text in sources:
        for document in await _parse(instance, text, filename or ""):
            outdated = await _outdated(instance, document)
            results.append(
                validation_json(len(results), document, filename=filename, outdated=outdated)
            )
    return JsonResponse(results)


@router.get("/{namespace}/{id}", responses=ERRORS, summary="Get a flow")
async def get_flow(
    namespace: Namespace,
    id: FlowId,
    instance: InstanceDependency,
    revision: Annotated[
        int | None, Query(ge=1, le=MAX_REVISION, description="A revision; the latest if omitted.")
    ] = None,
    source: Annotated[bool, Query(description="Include the YAML source.")] = False,
    allow_deleted: Annotated[
        bool, Query(alias="allowDeleted", description="Return the flow even if deleted.")
    ] = False,
) -> Response:
    _check_ids(namespace, id)
    if revision is None and allow_deleted:
        stored = await _latest(instance, namespace, id, include_deleted=True)
        if stored is None:
            raise FlowNotFound(namespace, id)
    else:
        stored = await instance.flows.get(namespace, id, revision)
    if stored.deleted and not allow_deleted:
        raise FlowNotFound(namespace, id, revision)
    return JsonResponse(flow_json(stored, include_source=source))


@router.delete("/{namespace}/{id}", status_code=204, responses=ERRORS, summary="Delete a flow")
async def delete_flow(namespace: Namespace, id: FlowId, instance: InstanceDependency) -> Response:
    """Delete a flow; its revisions stay readable, and it can be deployed again."""
    _check_ids(namespace, id)
    await instance.flows.delete(namespace, id)
    return Response(status_code=204)


@router.get("/{namespace}/{id}/revisions", responses=ERRORS, summary="List a flow's revisions")
async def list_revisions(
    namespace: Namespace,
    id: FlowId,
    instance: InstanceDependency,
    allow_delete: Annotated[
        bool, Query(alias="allowDelete", description="Include the revisions that deleted it.")
    ] = False,
) -> Response:
    """Return every revision, oldest first, each with its source."""
    _check_ids(namespace, id)
    async with instance.backend.db.transaction(write=False) as connection:
        revisions = await instance.backend.flows.revisions(connection, namespace, id)
    if not revisions:
        raise FlowNotFound(namespace, id)
    return JsonResponse(
        [
            flow_json(stored, include_source=True)
            for stored in revisions
            if allow_delete or not stored.deleted
        ]
    )


async def _parse(instance: Instance, text: str, source: str = "") -> list[ParsedDocument]:
    # Parsing is CPU work that may take a while on a large source: keep it off the event loop.
    try:
        return await run_in_threadpool(instance.flows.validate, text, source)
    except RecursionError as error:
        raise ApiError(
            422, "the YAML nests too deeply to be parsed; flatten the document"
        ) from error
    except yaml.YAMLError as error:
        # NOTE: the flow parser reports YAML errors as problems, except those PyYAML raises
        # before parsing starts (such as a NUL character), which arrive here.
        raise ApiError(422, f"invalid YAML: {error}") from error


async def _parse_one(instance: Instance, text: str) -> ParsedDocument:
    """Parse a body that must contain exactly one valid flow; raise InvalidFlow otherwise."""
    documents = await _parse(instance, text)
    if len(documents) != 1:
        problems: list[Problem] = [
            problem for document in documents for problem in document.problems
        ]
        problems.insert(0, Problem(f"expected one flow, found {len(documents)} YAML documents"))
        raise InvalidFlow(problems=problems)
    document = documents[0]
    if not document.valid:
        raise document.error()
    return document


async def _latest(
    instance: Instance, namespace: str, flow_id: str, *, include_deleted: bool = False
) -> StoredFlow | None:
    async with instance.backend.db.transaction(write=False) as connection:
        stored = await instance.backend.flows.latest(connection, namespace, flow_id)
    if stored is None or (stored.deleted and not include_deleted):
        return None
    return stored


async def _outdated(instance: Instance, document: ParsedDocument) -> bool:
    """Tell whether a source names a revision older than the latest deployed one."""
    flow = document.flow
    if flow is None or flow.revision is None:
        return False
    latest = await _latest(instance, flow.namespace, flow.id)
    return latest is not None and latest.revision > flow.revision


async def _deployed_json(instance: Instance, result: DeployResult) -> dict[str, Any]:
    stored = await instance.flows.get(result.namespace, result.id, result.revision)
    return flow_json(stored, include_source=True)


def _document_source(document: ParsedDocument) -> str:
    return document.document_source or document.text


def _check_ids(namespace: str, flow_id: str) -> None:
    check_text(namespace, "namespace")
    check_text(flow_id, "id")
