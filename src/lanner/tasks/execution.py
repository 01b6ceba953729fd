"""Tasks that change the running execution: Labels, Resume and Exit."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from lanner.errors import LannerError, TaskFailure
from lanner.expressions import to_text
from lanner.tasks.base import RunnableTask, Task
from lanner.tasks.choices import one_of
from lanner.tasks.labels import Label
from lanner.tasks.properties import Text

if TYPE_CHECKING:
    from lanner.worker.context import RunContext


class Labels(RunnableTask):
    """Add labels to the current execution, or replace the values of existing ones.

    The worker renders them into `outputs.<task>.labels`, a list of `{key, value}`, which the
    executor merges into the execution's labels.
    """

    type_names = (
        "io.kestra.plugin.core.execution.Labels",
        "io.kestra.core.tasks.executions.Labels",
    )

    # A map, a list of {key, value}, or an expression rendering to a JSON map or such a list.
    labels: dict[str, Any] | list[Label] | str

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        pairs = self._rendered_pairs(context)
        labels: dict[str, str] = {}
        for key, value in pairs:
            labels[self._checked_key(key)] = self._checked_value(key, value)
        return {"labels": [{"key": key, "value": value} for key, value in labels.items()]}

    def _rendered_pairs(self, context: RunContext) -> list[tuple[Any, Any]]:
        if isinstance(self.labels, dict):
            return [
                (context.render(str(key), "labels"), context.render_typed(value, "labels"))
                for key, value in self.labels.items()
            ]
        if isinstance(self.labels, list):
            return [
                (context.render(label.key, "labels"), context.render(label.value, "labels"))
                for label in self.labels
            ]
        return self._pairs_of(context.render_typed(self.labels, "labels"))

    def _pairs_of(self, rendered: Any) -> list[tuple[Any, Any]]:
        """Read an expression's result: a map, a list of {key, value}, or JSON text of either."""
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError:
                raise TaskFailure(self._shape_error(rendered)) from None
        if isinstance(rendered, dict):
            return list(rendered.items())
        if isinstance(rendered, list) and all(
            isinstance(item, dict) and "key" in item for item in rendered
        ):
            return [(item["key"], item.get("value")) for item in rendered]
        raise TaskFailure(self._shape_error(rendered))

    def _shape_error(self, rendered: Any) -> str:
        text = rendered if isinstance(rendered, str) else to_text(rendered)
        return (
            f"task {self.id!r}: labels rendered to {text[:200]!r}; expected a map of label keys "
            "to values or a list of {key, value}"
        )

    def _checked_key(self, key: Any) -> str:
        text = to_text(key).strip() if key is not None else ""
        if not text:
            raise TaskFailure(f"task {self.id!r}: a label has an empty key")
        # Kestra keeps `system.` labels for itself, and its Labels task fails on them.
        if text.startswith("system."):
            raise TaskFailure(
                f"task {self.id!r}: invalid label {text!r}: system labels are set by Lanner only"
            )
        return text

    def _checked_value(self, key: Any, value: Any) -> str:
        if value is None:
            raise TaskFailure(f"task {self.id!r}: label {to_text(key)!r} has no value")
        return to_text(value)


class Resume(RunnableTask):
    """Resume a paused execution: the current one unless `executionId` or a flow is set.

    With `namespace` and `flowId` but no `executionId`, the latest paused execution of that
    flow is resumed. The `inputs` are the Pause task's `onResume` inputs.
    """

    type_names = ("io.kestra.plugin.core.execution.Resume",)

    namespace: Text | None = None
    flow_id: Text | None = None
    execution_id: Text | None = None
    inputs: dict[str, Any] | str | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        controls = context.controls
        if controls is None:
            raise TaskFailure(f"task {self.id!r}: this worker cannot act on executions")
        target = await self._target(context)
        inputs = context.render_typed(self.inputs, "inputs") if self.inputs is not None else {}
        if isinstance(inputs, str):
            try:
                inputs = json.loads(inputs)
            except ValueError:
                raise TaskFailure(
                    f"task {self.id!r}: inputs must be a map, got {inputs!r}"
                ) from None
        if not isinstance(inputs, dict):
            raise TaskFailure(f"task {self.id!r}: inputs must be a map, got {inputs!r}")
        try:
            await controls.resume(target, inputs)
        except LannerError as error:
            raise TaskFailure(f"task {self.id!r}: {error}") from error
        context.logger.info(f"resumed execution {target}")
        return {"executionId": target}

    async def _target(self, context: RunContext) -> str:
        if self.execution_id is not None:
            return context.render(self.execution_id, "executionId")
        if self.namespace is None or self.flow_id is None:
            return context.execution_id
        assert context.controls is not None
        namespace = context.render(self.namespace, "namespace")
        flow_id = context.render(self.flow_id, "flowId")
        paused = await context.controls.latest_paused(namespace, flow_id)
        if paused is None:
            raise TaskFailure(f"task {self.id!r}: no paused execution of {namespace}.{flow_id}")
        return paused


class Exit(Task):
    """End the execution in the given state, killing the task runs still running.

    The executor applies it when its task run is created; it never runs on a worker.
    """

    type_names = ("io.kestra.plugin.core.execution.Exit",)

    state: Annotated[str, one_of("SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELED")] = "SUCCESS"
