"""Route dependencies: the running instance, and checks shared by several routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lanner.api.errors import ApiError
from lanner.instance import Instance


def get_instance(request: Request) -> Instance:
    instance: Instance = request.app.state.instance
    return instance


InstanceDependency = Annotated[Instance, Depends(get_instance)]


def check_text(value: str | None, name: str) -> None:
    """Raise ApiError (422) when a text parameter contains a NUL character.

    PostgreSQL cannot store or compare text containing NUL, so such a value would otherwise
    fail deep in the database instead of being rejected here with its name.
    """
    if value is not None and "\x00" in value:
        raise ApiError(422, f"{name} must not contain a NUL character")
