"""The flow document: Kestra 1.x's flow properties as a validated model."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

from lanner.flows.inputs import Input
from lanner.tasks.base import Task
from lanner.tasks.properties import (
    FLOW_ID_PATTERN,
    MODEL_CONFIG,
    NAMESPACE_PATTERN,
    Duration,
    Text,
)
from lanner.tasks.retry import Retry


class Label(BaseModel):
    model_config = MODEL_CONFIG

    key: str
    value: Text


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
    labels: list[Label] = Field(default_factory=list)
    inputs: list[Input] | None = None
    variables: dict[str, Any] | None = None
    tasks: list[Task] = Field(min_length=1)
    errors: list[Task] | None = None
    finally_: list[Task] | None = Field(default=None, alias="finally")
    after_execution: list[Task] | None = None
    outputs: list[FlowOutput] | None = None
    retry: Retry | None = None
    triggers: list[Any] | None = None
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
            raise ValueError(
                f"invalid flow id {value!r}: use letters, digits, '.', '_' and '-', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("namespace")
    @classmethod
    def _check_namespace(cls, value: str) -> str:
        if not NAMESPACE_PATTERN.match(value):
            raise ValueError(
                f"invalid namespace {value!r}: use lowercase letters, digits, '.', '_' and '-', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_from_map(cls, value: Any) -> Any:
        # Kestra accepts labels as a map or as a list of {key, value}.
        if isinstance(value, dict):
            return [{"key": str(key), "value": item} for key, item in value.items()]
        return value

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"

    def label_map(self) -> dict[str, str]:
        return {label.key: label.value for label in self.labels}
