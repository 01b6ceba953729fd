"""Execution inputs from a request: multipart form fields and file parts, named by input id."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from lanner.api.bodies import FORM_MEDIA_TYPES, media_type
from lanner.api.errors import ApiError
from lanner.errors import Problem
from lanner.flows.inputs import UploadedFile


async def read_inputs(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Return the supplied input values and files; a request without a body supplies none.

    A field sent once gives a text value, a field sent several times a list of texts (for
    ARRAY and MULTISELECT inputs). Raise ApiError for other media types, and (422) listing
    every field that cannot be an input value.
    """
    kind = media_type(request)
    if kind not in FORM_MEDIA_TYPES:
        if kind or await _has_body(request):
            raise ApiError(
                415,
                f"unsupported content type {kind or 'none'!r}: send inputs as "
                "multipart/form-data, one field per input",
            )
        return {}, {}

    values: dict[str, list[str]] = {}
    uploads: dict[str, list[UploadFile]] = {}
    async with request.form() as form:
        for name, item in form.multi_items():
            if isinstance(item, UploadFile):
                uploads.setdefault(name, []).append(item)
            else:
                values.setdefault(name, []).append(item)
        problems = _check_fields(values, uploads)
        if problems:
            raise ApiError(422, problems[0].message, problems)
        # NOTE: uploaded files are read whole into memory, as input resolution needs bytes.
        files = {
            name: UploadedFile(_file_name(parts[0], name), await parts[0].read())
            for name, parts in uploads.items()
        }
    inputs = {name: texts[0] if len(texts) == 1 else texts for name, texts in values.items()}
    return inputs, files


async def _has_body(request: Request) -> bool:
    async for chunk in request.stream():
        if chunk:
            return True
    return False


def _check_fields(
    values: dict[str, list[str]], uploads: dict[str, list[UploadFile]]
) -> list[Problem]:
    problems = []
    for name in sorted(set(values) & set(uploads)):
        problems.append(
            Problem(f"input {name!r} was sent both as a value and as a file; send one", path=name)
        )
    for name, parts in sorted(uploads.items()):
        if len(parts) > 1:
            problems.append(
                Problem(f"input {name!r} was sent as {len(parts)} files; send one", path=name)
            )
    for name, texts in sorted(values.items()):
        if "\x00" in name or any("\x00" in text for text in texts):
            problems.append(Problem(f"input {name!r}: NUL characters are not allowed", path=name))
    return problems


def _file_name(upload: UploadFile, input_id: str) -> str:
    """Keep only the last part of a client's file name; it becomes part of a storage key."""
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
    if name in ("", ".", "..") or "\x00" in name:
        return input_id
    return name
