"""ForEachItem: split a file of items into batches and start one subflow execution per batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field, field_validator

from lanner.tasks.base import ChildEntry, ExecutableTask, Path, Task
from lanner.tasks.flow.subflow import RestartBehavior
from lanner.tasks.labels import LabelList
from lanner.tasks.properties import MODEL_CONFIG, DynamicInt, Text


class Batch(BaseModel):
    """How to split the items: by rows (one by default), bytes, partitions or a separator."""

    model_config = MODEL_CONFIG

    rows: DynamicInt | None = None
    bytes: Text | None = None
    partitions: DynamicInt | None = None
    separator: Text | None = None
    regex_pattern: Text | None = None

    @field_validator("rows", "partitions")
    @classmethod
    def _at_least_one(cls, value: int | str | None) -> int | str | None:
        # An expression is checked when it is rendered; a number is checked here.
        if isinstance(value, int) and value < 1:
            raise ValueError(f"{value} is not a batch size: use 1 or more")
        return value


class ForEachItem(ExecutableTask):
    """A subflow execution per batch of items; a worker job splits the file into batches."""

    type_names = (
        "io.kestra.plugin.core.flow.ForEachItem",
        "io.kestra.core.tasks.flows.ForEachItem",
    )

    # An internal storage URI (kestra://...) of a file with one item per line.
    items: Text
    batch: Batch = Field(default_factory=Batch)
    namespace: Text
    flow_id: Text
    revision: int | None = Field(default=None, ge=1)
    inputs: dict[str, Any] | None = None
    labels: LabelList | None = None
    wait: bool = True
    transmit_failed: bool = True
    inherit_labels: bool = False
    schedule_date: Text | None = None
    restart_behavior: RestartBehavior = "RETRY_FAILED"
    errors: list[Task] | None = None
    finally_: list[Task] | None = Field(default=None, alias="finally")

    @classmethod
    def child_task_locations(cls, raw: dict[str, Any]) -> list[Path]:
        return [(name,) for name in ("errors", "finally") if isinstance(raw.get(name), list)]

    def child_entries(self) -> Iterator[ChildEntry]:
        for branch in ("errors", "finally"):
            for index, task in enumerate(self.property_by_alias(branch) or []):
                yield ChildEntry((branch, index), branch, task)
