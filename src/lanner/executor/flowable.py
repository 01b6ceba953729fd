"""What a flowable task sees of its task run, and the step it returns.

Flowable tasks (Sequential, Parallel, ForEach, If ...) decide only which child task runs to
create next; the state machine handles everything they share: failures stop new children,
`errors` and `finally` branches, the final state, kills and timeouts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.errors import ExpressionError
from lanner.executions.model import ChildIndex, TaskRun
from lanner.flows.index import FlowIndex
from lanner.states import State
from lanner.tasks.base import Task

MAIN = "main"


@dataclass
class ChildSpec:
    """A child task run to create."""

    task: Task
    value: str | None = None
    iteration: int | None = None


@dataclass
class Step:
    """A flowable's decision.

    `create` lists the children to create now. `wait` keeps the task run open although no
    child is active (a WaitFor between two iterations), and `wake_at` asks for `on_timer` at
    that date. `error` fails the main branch with a message that is logged on the task run.
    `pause` sets the task run PAUSED until it is resumed (a Pause task). `end` gives the state
    the task run ends with once nothing is active, instead of the one its children give.
    """

    create: list[ChildSpec] = field(default_factory=list)
    wait: bool = False
    wake_at: datetime | None = None
    error: str | None = None
    outputs: dict[str, Any] | None = None
    pause: bool = False
    end: State | None = None


class FlowableContext:
    """A flowable task run, its children and the expressions it may evaluate."""

    def __init__(
        self,
        task: Task,
        task_run: TaskRun,
        children: ChildIndex,
        index: FlowIndex,
        now: datetime,
        render_typed: Callable[[Any], Any],
        render: Callable[[str], str],
        ended_child: TaskRun | None = None,
    ) -> None:
        self.task = task
        self.task_run = task_run
        self.now = now
        self.ended_child = ended_child
        self._children = children
        self._index = index
        self._render_typed = render_typed
        self._render = render

    @property
    def internal(self) -> dict[str, Any]:
        return self.task_run.internal

    @property
    def active(self) -> int:
        """How many children have not ended yet."""
        return self._children.active

    @property
    def created(self) -> int:
        """How many children exist (the main branch's, as long as the main branch runs)."""
        return len(self._children.ids)

    @property
    def groups_started(self) -> int:
        """How many distinct loop values have children."""
        return sum(1 for value in self._children.groups if value is not None)

    def branch(self, name: str) -> list[Task]:
        return self._index.branch(self.task.id, name)

    def next_after(self, task_id: str) -> Task | None:
        return self._index.next_in_branch(task_id)

    def render(self, text: str, name: str | None = None) -> str:
        """Render text; an error names the property `name` when it is given."""
        with _naming(name):
            return self._render(text)

    def render_typed(self, value: Any, name: str | None = None) -> Any:
        """Render keeping the value's type; an error names the property `name` when given."""
        with _naming(name):
            return self._render_typed(value)


@contextlib.contextmanager
def _naming(name: str | None) -> Iterator[None]:
    """Prefix the message of an expression error with the property it came from."""
    try:
        yield
    except ExpressionError as error:
        if name is None or f"property {name!r}" in str(error):
            raise
        raise ExpressionError(f"property {name!r}: {error}") from error
