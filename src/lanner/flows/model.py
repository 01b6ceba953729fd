"""The flow document: Kestra 1.x's flow properties as a validated model."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, SerializeAsAny, field_validator
from pydantic_core import PydanticCustomError

from lanner.flows.inputs import Input
from lanner.tasks.base import Task
from lanner.tasks.labels import Label, LabelList
from lanner.tasks.properties import (
    FLOW_ID_PATTERN,
    MODEL_CONFIG,
    NAMESPACE_PATTERN,
    Duration,
)
from lanner.tasks.retry import Retry
from lanner.triggers.base import Trigger

FLOW_ID_CHARACTERS = "letters, digits, '.', '_' and '-', starting with a letter or digit"


class FlowOutput(BaseModel):
    """A value the execution exposes once it ends, rendered from its tasks' outputs."""

    model_config = MODEL_CONFIG

    id: str
    type: str = "STRING"
    value: Any
    description: str | None = None
    display_name: str | None = None
    required: bool = True


class ConcurrencyBehavior(StrEnum):
    QUEUE = "QUEUE"
    CANCEL = "CANCEL"
    FAIL = "FAIL"


class Concurrency(BaseModel):
    model_config = MODEL_CONFIG

    limit: int = Field(ge=1)
    behavior: ConcurrencyBehavior = ConcurrencyBehavior.QUEUE


class PluginDefault(BaseModel):
    model_config = MODEL_CONFIG

    type: str
    values: dict[str, Any] = Field(default_factory=dict)
    forced: bool = False


class SlaBehavior(StrEnum):
    FAIL = "FAIL"
    CANCEL = "CANCEL"
    NONE = "NONE"


class Sla(BaseModel):
    model_config = MODEL_CONFIG

    id: str
    type: str
    behavior: SlaBehavior = SlaBehavior.FAIL
    duration: Duration | None = None
    assert_: str | None = Field(default=None, alias="assert")
    labels: dict[str, str] | list[Label] | None = None


class Flow(BaseModel):
    model_config = MODEL_CONFIG

    id: str = Field(min_length=1, max_length=100)
    namespace: str = Field(min_length=1, max_length=150)
    revision: int | None = Field(default=None, ge=1)
    description: str | None = None
    labels: LabelList = Field(default_factory=list)
    inputs: list[Input] | None = None
    variables: dict[str, Any] | None = None
    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] | None = None
    finally_: list[Task] | None = Field(default=None, alias="finally")
    after_execution: list[Task] | None = None
    outputs: list[FlowOutput] | None = None
    retry: Retry | None = None
    # Built by the parser from the trigger registry; any trigger type may sit here.
    triggers: list[SerializeAsAny[Trigger]] | None = None
    concurrency: Concurrency | None = None
    sla: list[Sla] | None = None
    disabled: bool = False
    deleted: bool = False
    plugin_defaults: list[PluginDefault] | None = None
    task_defaults: list[PluginDefault] | None = None
    listeners: list[Any] | None = None
    worker_selector: dict[str, Any] | None = None
    checks: list[dict[str, Any]] | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not FLOW_ID_PATTERN.match(value):
            raise PydanticCustomError(
                "invalid_flow_id",
                "invalid flow id {value}",
                {"value": repr(value), "hint": f"use {FLOW_ID_CHARACTERS}"},
            )
        return value

    @field_validator("namespace")
    @classmethod
    def _check_namespace(cls, value: str) -> str:
        if not NAMESPACE_PATTERN.match(value):
            hint = f"use lowercase {FLOW_ID_CHARACTERS}"
            if NAMESPACE_PATTERN.match(value.lower()):
                hint = f"write it in lowercase: {value.lower()!r}"
            context = {"value": repr(value), "hint": hint}
            raise PydanticCustomError("invalid_namespace", "invalid namespace {value}", context)
        return value

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"

    def label_map(self) -> dict[str, str]:
        return {label.key: label.value for label in self.labels}


__all__ = ["Concurrency", "Flow", "FlowOutput", "Label", "PluginDefault", "Sla"]
