"""Tasks that change the running execution: Labels, Resume and Exit."""

from __future__ import annotations

from typing import Annotated, Any

from lanner.tasks.choices import one_of
from lanner.tasks.labels import Label
from lanner.tasks.properties import Text
from lanner.tasks.unavailable import UnavailableTask

# TODO: Kestra applies these three in the executor; they fail when run until Lanner does too.


class Labels(UnavailableTask):
    """Add labels to the current execution, or replace the values of existing ones."""

    type_names = (
        "io.kestra.plugin.core.execution.Labels",
        "io.kestra.core.tasks.executions.Labels",
    )

    # A map, a list of {key, value}, or an expression rendering to a JSON map.
    labels: dict[str, Any] | list[Label] | str


class Resume(UnavailableTask):
    """Resume a paused execution: the current one unless `executionId` or a flow is set."""

    type_names = ("io.kestra.plugin.core.execution.Resume",)

    namespace: Text | None = None
    flow_id: Text | None = None
    execution_id: Text | None = None
    inputs: dict[str, Any] | str | None = None


class Exit(UnavailableTask):
    """End the execution in the given state; KILLED also kills the running tasks."""

    type_names = ("io.kestra.plugin.core.execution.Exit",)

    state: Annotated[str, one_of("SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELED")] = "SUCCESS"
