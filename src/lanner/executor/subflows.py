"""Subflow task runs: an execution of another flow, started and followed by a task run.

The state machine renders the Subflow's properties and asks for a child execution (an
effect); the executor service creates it in the same transaction, or answers with a FAILED
result naming the problem (a missing flow, invalid inputs). With `wait`, the task run stays
RUNNING until the child ends: the service then sends SUBFLOW_ENDED, and the task run ends with
the child's state (a failed or killed child fails it when `transmitFailed`, the default).
Without `wait`, it succeeds as soon as the child exists. Killing the parent kills its
children.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.executions.model import Attempt, StateHistory, TaskRun
from lanner.executor.effects import NewExecution
from lanner.executor.messages import require, require_enum
from lanner.expressions import RenderServices, render, render_typed
from lanner.ids import new_id
from lanner.states import State
from lanner.tasks.base import ExecutableTask
from lanner.tasks.flow.for_each_item import ForEachItem
from lanner.tasks.flow.subflow import Subflow

if TYPE_CHECKING:
    from lanner.executor.machine import StateMachine

# Subflow levels an execution may sit under. Flows that call each other in a cycle would
# otherwise create executions faster than a kill can reach them.
MAX_SUBFLOW_DEPTH = 32

# The end of the line a parent logs when a child fails; readers skip such pointer lines.
CHILD_LOGS_HINT = "its logs have the cause"


class SubflowSteps:
    """The state machine's handling of Subflow task runs (mixed into StateMachine)."""

    def _start_executable(self: StateMachine, task_run: TaskRun, task: ExecutableTask) -> None:
        if isinstance(task, ForEachItem):
            self._start_for_each_item(task_run, task)
            return
        attempt = Attempt(State.RUNNING, [StateHistory(State.RUNNING, self.now)])
        task_run.attempts.append(attempt)
        self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
        if not isinstance(task, Subflow):
            attempt.set_state(State.FAILED, self.now)
            self._fail(task_run, f"task type {task.type!r} cannot run in this version of Lanner")
            return
        try:
            context = self._context(task_run)
            inputs = render_structure(task.inputs or {}, context, self.instance.services)
            child = self._child_execution(task_run, task, context, inputs)
        except LannerError as error:
            attempt.set_state(State.FAILED, self.now)
            self._fail(task_run, f"task {task.id!r}: {error}")
            return
        task_run.outputs = {"executionId": child.id}
        self.effects.executions.append(child)

    def _child_execution(
        self: StateMachine,
        task_run: TaskRun,
        task: Subflow | ForEachItem,
        context: dict[str, Any],
        inputs: dict[str, Any],
    ) -> NewExecution:
        """Describe the child execution of a Subflow (or of one ForEachItem batch)."""
        services = self.instance.services
        namespace = render(task.namespace, context, services)
        flow_id = render(task.flow_id, context, services)
        if (namespace, flow_id) == (self.execution.namespace, self.execution.flow_id):
            raise LannerError(
                f"a flow cannot call itself: {namespace}.{flow_id} runs this Subflow task"
            )
        depth = int((self.execution.parent or {}).get("depth", 0)) + 1
        if depth > MAX_SUBFLOW_DEPTH:
            raise LannerError(
                f"cannot start {namespace}.{flow_id}: executions are nested {MAX_SUBFLOW_DEPTH} "
                "subflow levels deep already; check whether flows call each other in a cycle"
            )
        revision = None
        if task.revision is not None:
            rendered = render_typed(task.revision, context, services)
            try:
                revision = int(rendered)
            except (TypeError, ValueError):
                raise LannerError(f"invalid revision {rendered!r}: expected a number") from None
        labels = [
            {"key": str(label.key), "value": render(str(label.value), context, services)}
            for label in task.labels or []
        ]
        if render_typed(task.inherit_labels, context, services) in (True, "true"):
            own = {label["key"] for label in labels}
            labels = [label for label in self.execution.labels if label["key"] not in own] + labels
        return NewExecution(
            id=new_id(),
            namespace=namespace,
            flow_id=flow_id,
            revision=revision,
            inputs=inputs,
            labels=labels,
            parent={
                "executionId": self.execution.id,
                "namespace": self.execution.namespace,
                "flowId": self.execution.flow_id,
                "taskRunId": task_run.id,
                "taskId": task_run.task_id,
                "attempt": task_run.attempt_number,
                "wait": task.wait,
                "transmitFailed": task.transmit_failed,
                "depth": depth,
            },
            # As in Kestra, the child's `trigger` names the parent execution; read() uses it
            # to let the child read the files its parent passes.
            trigger={
                "id": task_run.task_id,
                "type": task.type,
                "executionId": self.execution.id,
                "namespace": self.execution.namespace,
                "flowId": self.execution.flow_id,
                "flowRevision": self.execution.flow_revision,
            },
        )

    def _on_subflow_ended(self: StateMachine, payload: dict[str, Any]) -> None:
        """Apply the end of a child execution to the Subflow task run that waits for it."""
        task_run = self._task_run(payload)
        attempt = require(payload, "attempt", int)
        child_state = require_enum(payload, "state", State)
        child_id = require(payload, "executionId", str)
        if task_run is None:
            return
        task = self.flow.task(task_run.task_id)
        if isinstance(task, ForEachItem):
            if not task_run.state.is_terminal and attempt == task_run.attempt_number:
                self._for_each_item_child_ended(task_run, task, payload)
            return
        transmit = not isinstance(task, Subflow) or task.transmit_failed
        state = _task_state(child_state, transmit)
        if child_state not in (State.SUCCESS, State.WARNING):
            # The child's own logs contain the cause; this line points at them.
            self._log(
                task_run,
                "ERROR" if state is State.FAILED else "WARN",
                f"subflow execution {child_id} ended {child_state.value}; {CHILD_LOGS_HINT}",
            )
        outputs = {
            "executionId": child_id,
            "state": child_state.value,
            "outputs": payload.get("outputs") or {},
        }
        self._on_result(
            {
                "taskRunId": task_run.id,
                "attempt": attempt,
                "state": state.value,
                "outputs": outputs,
                "endDate": payload.get("endDate"),
            }
        )

    def _kill_subflows(self: StateMachine) -> None:
        """Kill the child executions of every Subflow task run of this execution."""
        for task_run in self.execution.task_runs.values():
            if not isinstance(self.flow.task(task_run.task_id), ExecutableTask):
                continue
            child_id = (task_run.outputs or {}).get("executionId")
            if child_id:
                self.effects.kill_executions.append(str(child_id))
            for batch_child in task_run.internal.get("children") or {}:
                self.effects.kill_executions.append(str(batch_child))


def _task_state(child_state: State, transmit_failed: bool) -> State:
    if child_state in (State.SUCCESS, State.WARNING):
        return child_state
    if not transmit_failed:
        return State.SUCCESS
    return State.KILLED if child_state is State.KILLED else State.FAILED


def render_structure(
    value: Any, context: dict[str, Any], services: RenderServices | None = None
) -> Any:
    """Render a map of inputs, keeping the native type of whole expressions."""
    if isinstance(value, dict):
        return {key: render_structure(item, context, services) for key, item in value.items()}
    if isinstance(value, list):
        return [render_structure(item, context, services) for item in value]
    if isinstance(value, str):
        return render_typed(value, context, services)
    return value
