"""Trigger models: the properties every trigger has (Kestra's `AbstractTrigger`).

A trigger type is a pydantic model named by Kestra's full type name, like a task type. The
scheduler that evaluates triggers is not written yet, so the models only validate flows.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AliasChoices, BaseModel, Field

from lanner.tasks.base import TaskProblem, WorkerGroup
from lanner.tasks.choices import LOG_LEVELS, ExecutionState, one_of
from lanner.tasks.identifiers import PluginId
from lanner.tasks.labels import LabelList
from lanner.tasks.properties import MODEL_CONFIG
from lanner.triggers.conditions import AnyCondition


class Trigger(BaseModel):
    """The properties every trigger has, whatever its type."""

    model_config = MODEL_CONFIG

    # Kestra's full type name first, then its older names.
    type_names: ClassVar[tuple[str, ...]] = ()

    id: PluginId
    type: str
    version: str | None = None
    description: str | None = None
    conditions: list[AnyCondition] | None = None
    disabled: bool = False
    worker_group: WorkerGroup | None = None
    # `minLogLevel` is the older name.
    log_level: Annotated[str, one_of(*LOG_LEVELS, dynamic=False)] | None = Field(
        default=None,
        validation_alias=AliasChoices("logLevel", "minLogLevel", "log_level"),
        serialization_alias="logLevel",
    )
    labels: LabelList | None = None
    stop_after: list[ExecutionState] | None = None
    log_to_file: bool = False
    fail_on_trigger_error: bool = False
    allow_concurrent: bool = False
    assets: Any = None

    def check(self) -> list[TaskProblem]:
        """Find problems that single properties cannot show, such as a cron that never fires."""
        return []
