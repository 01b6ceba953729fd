"""KV store routes, on Kestra's paths: list a namespace's keys, get, put and delete values.

A value is sent as the request body. JSON reads as its type: a number, a boolean, a quoted
string, an object or an array. Unquoted ISO-8601 dates, datetimes and durations read as DATE,
DATETIME and DURATION, and any other text as a STRING. Headers set the pair's `ttl` (an ISO-8601
duration) and `description`, as in Kestra; Lanner adds a `type` header that converts the body
to that type instead of guessing it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Header, Path, Query, Request
from starlette.responses import Response

from lanner.api.dependencies import InstanceDependency, check_text
from lanner.api.errors import ApiError, ErrorBody
from lanner.api.responses import JsonResponse
from lanner.durations import InvalidDuration, parse_duration
from lanner.instance import Instance
from lanner.kv import KvEntry, KvError, KvKeyExists, KvStore, KvType
from lanner.kv.values import from_text, json_form
from lanner.timestamps import format_timestamp

T = TypeVar("T")

router = APIRouter(prefix="/namespaces/{namespace}/kv", tags=["KV"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No live value is stored under that key."},
    422: {"model": ErrorBody, "description": "The namespace, key, value or TTL is invalid."},
}
VALUE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The value: JSON, an unquoted ISO-8601 date, datetime or duration, "
        "or plain text.",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {}},
        },
    }
}

Namespace = Annotated[str, Path(description="The namespace, such as company.team.")]
Key = Annotated[str, Path(description="The key, such as last_run_date.")]


@router.get("", responses=ERRORS, summary="List the keys of a namespace")
async def list_keys(
    namespace: Namespace,
    instance: InstanceDependency,
    prefix: Annotated[str | None, Query(description="Only keys starting with this text.")] = None,
) -> Response:
    """Return every live pair's key and metadata, ordered by key; values are left out."""
    check_text(prefix, "prefix")
    entries = await _answer(_store(instance).list(_namespace(namespace), prefix or None))
    return JsonResponse([entry_json(entry) for entry in entries])


@router.get("/{key}", responses=ERRORS, summary="Get the value of a key")
async def get_value(namespace: Namespace, key: Key, instance: InstanceDependency) -> Response:
    """Return `{"type": ..., "value": ...}`; dates, datetimes and durations as ISO-8601 text."""
    entry = await _answer(_store(instance).get(_namespace(namespace), _key(key)))
    if entry is None:
        raise ApiError(404, f"no value for key {key!r} in namespace {namespace!r}")
    return JsonResponse({"type": entry.type.value, "value": json_form(entry.value)})


@router.put("/{key}", openapi_extra=VALUE_BODY, responses=ERRORS, summary="Put a value")
async def put_value(
    namespace: Namespace,
    key: Key,
    request: Request,
    instance: InstanceDependency,
    ttl: Annotated[
        str | None, Header(description="Time to live, an ISO-8601 duration such as PT1H.")
    ] = None,
    description: Annotated[str | None, Header(description="A description of the pair.")] = None,
    kv_type: Annotated[
        KvType | None,
        Header(alias="type", description="Convert the body to this type instead of guessing."),
    ] = None,
) -> Response:
    """Create or replace the value of a key and return the pair's metadata."""
    text = await _body_text(request)
    value: Any = text
    if kv_type is None:
        kv_type, value = from_text(text)
    entry = await _answer(
        _store(instance).put(
            _namespace(namespace),
            _key(key),
            value,
            kv_type=kv_type,
            ttl=_ttl(ttl),
            description=description,
        )
    )
    return JsonResponse(entry_json(entry))


@router.delete("/{key}", responses=ERRORS, summary="Delete a key")
async def delete_key(namespace: Namespace, key: Key, instance: InstanceDependency) -> Response:
    """Delete a key; the body is `true` when a live value was stored under it, else `false`."""
    deleted = await _answer(_store(instance).delete(_namespace(namespace), _key(key)))
    return JsonResponse(deleted)


@router.delete("", responses=ERRORS, summary="Delete several keys")
async def delete_keys(
    namespace: Namespace,
    instance: InstanceDependency,
    keys: Annotated[list[str], Body(embed=True, description="The keys to delete.")],
) -> Response:
    """Delete keys; return `{"keys": [...]}`, the keys that had a live value."""
    store = _store(instance)
    deleted = []
    for key in keys:
        if await _answer(store.delete(_namespace(namespace), _key(key))):
            deleted.append(key)
    return JsonResponse({"keys": deleted})


def entry_json(entry: KvEntry) -> dict[str, Any]:
    """Return a pair's metadata in Kestra's `KVEntry` shape."""
    return {
        "key": entry.key,
        "description": entry.description,
        "creationDate": format_timestamp(entry.created),
        "updateDate": format_timestamp(entry.updated),
        "expirationDate": _timestamp(entry.expires),
    }


def _timestamp(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment is not None else None


def _store(instance: Instance) -> KvStore:
    return KvStore(instance.backend)


def _namespace(namespace: str) -> str:
    check_text(namespace, "namespace")
    return namespace


def _key(key: str) -> str:
    check_text(key, "key")
    return key


async def _body_text(request: Request) -> str:
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(422, f"the value must be UTF-8 text: {error}") from None
    if not text.strip():
        raise ApiError(422, "the request body is empty; send the value as the body")
    check_text(text, "value")
    return text


def _ttl(text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return parse_duration(text)
    except InvalidDuration as error:
        raise ApiError(422, f"invalid ttl header: {error}") from None


async def _answer(operation: Awaitable[T]) -> T:
    """Await a KV store operation, turning its errors into API errors."""
    try:
        return await operation
    except KvKeyExists as error:
        raise ApiError(409, str(error)) from error
    except KvError as error:
        raise ApiError(422, str(error)) from error
