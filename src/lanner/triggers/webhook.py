"""Webhook: start an execution when an HTTP request reaches the flow's webhook URL."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicInt, Text
from lanner.triggers.base import Trigger


class Webhook(Trigger):
    type_names = (
        "io.kestra.plugin.core.trigger.Webhook",
        "io.kestra.core.models.triggers.types.Webhook",
    )

    # The secret part of the URL `/api/v1/executions/webhook/{namespace}/{flowId}/{key}`.
    key: Text = Field(min_length=1, max_length=256)
    inputs: dict[str, Any] | None = None
    wait: bool = False
    return_outputs: bool = False
    response_content_type: Text | None = None
    response_code: DynamicInt | None = None
    fetch_type: Annotated[str, one_of("FETCH", "STORE", "NONE", dynamic=False)] = "FETCH"
