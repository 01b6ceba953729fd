"""Subflow: start an execution of another flow, and wait for it by default."""

from __future__ import annotations

from typing import Annotated, Any

from lanner.tasks.base import ExecutableTask
from lanner.tasks.choices import one_of
from lanner.tasks.labels import LabelList
from lanner.tasks.properties import DynamicBool, DynamicInt, Text

RestartBehavior = Annotated[str, one_of("RETRY_FAILED", "NEW_EXECUTION", dynamic=False)]


class Subflow(ExecutableTask):
    """A task the executor runs itself: it creates and follows the child execution."""

    type_names = (
        "io.kestra.plugin.core.flow.Subflow",
        "io.kestra.plugin.core.flow.Flow",
        "io.kestra.core.tasks.flows.Subflow",
        "io.kestra.core.tasks.flows.Flow",
    )

    namespace: Text
    flow_id: Text
    # The latest revision when not set.
    revision: DynamicInt | None = None
    inputs: dict[str, Any] | None = None
    labels: LabelList | None = None
    wait: bool = True
    # Fail this task when the subflow execution fails or is killed; only with `wait`.
    transmit_failed: bool = True
    inherit_labels: DynamicBool = False
    # Deprecated in Kestra since 0.15 in favour of the subflow's own `outputs`.
    outputs: dict[str, Any] | None = None
    schedule_date: Text | None = None
    restart_behavior: RestartBehavior = "RETRY_FAILED"
