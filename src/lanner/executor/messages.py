"""Executor messages: what happened to an execution and must be applied to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

EnumType = TypeVar("EnumType", bound=StrEnum)


class MessageKind(StrEnum):
    EXECUTION_CREATED = "execution.created"
    TASK_RUN_STARTED = "task_run.started"
    TASK_RUN_RESULT = "task_run.result"
    # A worker stopped (it died or was stopped) before reporting an attempt's result.
    TASK_RUN_LOST = "task_run.lost"
    KILL = "execution.kill"
    TIMER = "timer"
    RESUME = "execution.resume"
    SUBFLOW_ENDED = "subflow.ended"
    RESTART = "execution.restart"
    CHANGE_TASK_RUN_STATE = "task_run.change_state"


class TimerPurpose(StrEnum):
    RETRY = "retry"
    FLOWABLE = "flowable"
    TIMEOUT = "timeout"


@dataclass
class ExecutorMessage:
    """A stored executor message; `id` orders the messages of one execution."""

    execution_id: str
    kind: MessageKind
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    deliver_at: datetime | None = None


class InvalidMessage(ValueError):
    """A message's payload lacks a field or has one of the wrong type."""


def require(payload: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """Read a required payload field, checking its type."""
    if name not in payload:
        raise InvalidMessage(f"missing field {name!r}")
    value = payload[name]
    if not isinstance(value, kind):
        raise InvalidMessage(f"field {name!r} has the wrong type: {type(value).__name__}")
    return value


def require_enum(payload: dict[str, Any], name: str, kind: type[EnumType]) -> EnumType:
    """Read a required payload field holding the name of an enum member."""
    value = require(payload, name, str)
    try:
        return kind(value)
    except ValueError:
        raise InvalidMessage(f"field {name!r} has an unknown value {value!r}") from None
