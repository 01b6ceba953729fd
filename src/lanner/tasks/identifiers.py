"""Ids of triggers and of preconditions, which follow Kestra's rule for task ids."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from lanner.tasks.properties import TASK_ID_PATTERN

ID_RULE = "use letters, digits, '_' and '-', starting with a letter or digit"


def _check_id(value: str) -> str:
    if not TASK_ID_PATTERN.match(value):
        context = {"value": repr(value), "hint": ID_RULE}
        raise PydanticCustomError("invalid_id", "invalid id {value}", context)
    return value


# An id matching `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, like a task id.
PluginId = Annotated[str, AfterValidator(_check_id)]
