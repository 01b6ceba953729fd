"""A flow revision ready to run: the model, its index and per-task caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lanner.expressions import References, references
from lanner.expressions.errors import ExpressionSyntaxError
from lanner.flows.index import FlowIndex
from lanner.flows.model import Flow
from lanner.tasks.base import Task


@dataclass
class ExecutableFlow:
    flow: Flow
    source: str
    index: FlowIndex
    _dumps: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _references: dict[str, References] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, flow: Flow, source: str = "") -> ExecutableFlow:
        return cls(flow=flow, source=source, index=FlowIndex.build(flow))

    @property
    def secret_inputs(self) -> list[str]:
        """The dotted ids of the flow's SECRET inputs."""
        return [item.id for item in self.flow.inputs or [] if item.type == "SECRET"]

    @property
    def revision(self) -> int:
        return self.flow.revision or 1

    def task(self, task_id: str) -> Task:
        return self.index.task(task_id)

    def task_dump(self, task_id: str) -> dict[str, Any]:
        """The task's properties as JSON, the form a worker job carries."""
        dump = self._dumps.get(task_id)
        if dump is None:
            # serialize_as_any keeps the properties of child tasks typed as the Task base
            # class, which a WorkingDirectory job carries to its worker.
            dump = self.task(task_id).model_dump(
                mode="json", by_alias=True, exclude_unset=True, serialize_as_any=True
            )
            self._dumps[task_id] = dump
        return dump

    def references(self, task_id: str) -> References:
        """What the task's own properties read from the context (not its children's)."""
        found = self._references.get(task_id)
        if found is None:
            task = self.task(task_id)
            from lanner.tasks.flow.working_directory import WorkingDirectory

            # A WorkingDirectory's children render on its worker, with its context.
            on_worker = isinstance(task, WorkingDirectory)
            child_fields = set() if on_worker else {entry.path[0] for entry in task.child_entries()}
            found = References()
            for key, value in self.task_dump(task_id).items():
                if key in child_fields:
                    continue
                try:
                    found = found | references(_strings(value))
                except ExpressionSyntaxError as error:
                    # The message names the property, as run-time rendering errors do.
                    raise ExpressionSyntaxError(f"property {key!r}: {error}") from error
            self._references[task_id] = found
        return found


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
