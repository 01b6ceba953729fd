"""Reading request bodies: YAML flow sources and multipart forms, with their limits."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from lanner.api.errors import ApiError

# A flow source is text written by people; a body larger than this is a mistake, and parsing
# it would hold the server for long.
MAX_YAML_BYTES = 10 * 1024 * 1024

YAML_MEDIA_TYPES = frozenset(
    {"application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml", "text/plain"}
)
FORM_MEDIA_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def media_type(request: Request) -> str:
    """Return the request's media type without parameters, lowercased; "" when none is sent."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_yaml_body(request: Request) -> str:
    """Read a YAML body as text; raise ApiError for other media types, oversize or bad UTF-8."""
    kind = media_type(request)
    if kind and kind not in YAML_MEDIA_TYPES:
        raise ApiError(
            415,
            f"unsupported content type {kind!r}: send the flow's YAML source with "
            "Content-Type application/x-yaml",
        )
    return decode_text(await read_limited(request, MAX_YAML_BYTES), "the request body")


async def read_limited(request: Request, limit: int) -> bytes:
    """Read the whole body, raising ApiError (413) as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(len(body), limit)
    return bytes(body)


def decode_text(content: bytes, what: str) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(
            400, f"{what} is not valid UTF-8 (invalid byte at offset {error.start})"
        ) from error


async def yaml_files(form: FormData, field: str) -> list[tuple[str, str]]:
    """Return (filename, text) of every file part named `field`, each within the YAML limit."""
    files = []
    for part in form.getlist(field):
        if not isinstance(part, UploadFile):
            raise ApiError(422, f"form field {field!r} must be a file part containing flow YAML")
        filename = part.filename or field
        content = await part.read(MAX_YAML_BYTES + 1)
        if len(content) > MAX_YAML_BYTES:
            raise _too_large(len(content), MAX_YAML_BYTES, filename)
        files.append((filename, decode_text(content, f"file {filename!r}")))
    return files


def _too_large(size: int, limit: int, what: str = "the request body") -> ApiError:
    return ApiError(413, f"{what} is too large ({size} bytes or more); the limit is {limit} bytes")
