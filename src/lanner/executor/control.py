"""Changes asked for from outside an execution's own progress: resume, restart, state change.

- RESUME ends the pause of paused task runs (all of them, or the one named), with the
  `onResume` inputs the API has already validated.
- RESTART runs the failed and killed task runs of an ended execution again, as new attempts.
- CHANGE_TASK_RUN_STATE sets a task run's state by hand (FAILED to SUCCESS, say) and lets the
  execution go on from there.

A restart and a state change reopen the parents of the task runs they touch: the parents go
back to RUNNING with their failure forgotten, and the `errors` and `finally` task runs that
had run because of the failure are removed, so they run again only if the failure happens
again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lanner.executions.model import TaskRun
from lanner.executor.flowable import MAIN, ChildSpec, Step
from lanner.executor.messages import InvalidMessage, require_enum
from lanner.states import State
from lanner.tasks.base import ExecutableTask, FlowableTask
from lanner.tasks.flow.pause import Pause

if TYPE_CHECKING:
    from lanner.executor.machine import StateMachine

# Task run states a restart runs again.
RESTARTABLE = (State.FAILED, State.KILLED)


class ExecutionControl:
    """The state machine's handling of resumes, restarts and manual state changes."""

    # --- resume ---------------------------------------------------------------------------

    def _on_resume(self: StateMachine, payload: dict[str, Any]) -> None:
        target = payload.get("taskRunId")
        inputs = payload.get("inputs")
        if target is not None and not isinstance(target, str):
            raise InvalidMessage("field 'taskRunId' must be text")
        if self.execution.state.is_terminal:
            return
        for task_run in list(self.execution.task_runs.values()):
            if task_run.state is State.PAUSED and target in (None, task_run.id):
                self._resume(task_run, inputs if isinstance(inputs, dict) else None)

    def _resume(self: StateMachine, task_run: TaskRun, inputs: dict[str, Any] | None) -> None:
        task = self.flow.task(task_run.task_id)
        task_run.internal.pop("wakeAt", None)
        if inputs is not None:
            task_run.outputs = {**(task_run.outputs or {}), "onResume": inputs}
        self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
        step = (
            self._call(task_run, task, task.on_resume_step) if isinstance(task, Pause) else Step()
        )
        self._apply_step(task_run, step)
        self._queue_advance(task_run)

    # --- restart --------------------------------------------------------------------------

    def _on_restart(self: StateMachine, payload: dict[str, Any]) -> None:
        execution = self.execution
        if execution.state not in (State.FAILED, State.KILLED, State.WARNING, State.CANCELLED):
            return
        leaves = [
            task_run
            for task_run in execution.task_runs.values()
            if task_run.state in RESTARTABLE
            and not self._is_flowable(task_run)
            and not self._in_after_branch(task_run)
        ]
        if not leaves:
            return
        self._reopen_execution()
        for task_run in leaves:
            self._reopen_parents(task_run)
            self.execution.set_task_run_state(task_run, State.RESTARTED, self.now)
            self._start_attempt(task_run, self.flow.task(task_run.task_id))

    # --- change of state ------------------------------------------------------------------

    def _on_change_state(self: StateMachine, payload: dict[str, Any]) -> None:
        task_run = self._task_run(payload)
        state = require_enum(payload, "state", State)
        if task_run is None or not task_run.state.is_terminal or not state.is_terminal:
            return
        if state is task_run.state:
            return
        if not self.execution.state.is_terminal and not task_run.state.is_terminal:
            return
        self._log(
            task_run, "WARN", f"state changed by hand from {task_run.state.value} to {state.value}"
        )
        if self.execution.state.is_terminal:
            self._reopen_execution()
        self._reopen_parents(task_run)
        self.execution.set_task_run_state(task_run, state, self.now)
        self._pending_ends[task_run.parent_id] += 1
        parent = self.execution.parent_of(task_run)
        self._work.append(lambda: self._child_ended(parent, task_run))

    # --- replay ---------------------------------------------------------------------------

    def _replay_from(self: StateMachine, start: Any) -> None:
        """Start a replayed execution at the chosen task run, below its copied parents."""
        if not isinstance(start, dict) or not isinstance(start.get("taskId"), str):
            raise InvalidMessage("field 'replayFrom' must name a taskId")
        positions = self.index.positions
        if start["taskId"] not in positions:
            raise InvalidMessage(f"task {start['taskId']!r} is not in this flow revision")
        parent_id = start.get("parentId")
        parent = self.execution.task_runs.get(parent_id) if isinstance(parent_id, str) else None
        task = positions[start["taskId"]].task
        iteration = start.get("iteration")
        self._create(
            parent,
            ChildSpec(task, start.get("value"), iteration if isinstance(iteration, int) else None),
        )
        if parent is not None:
            self._queue_advance(parent)

    # --- reopening ------------------------------------------------------------------------

    def _reopen_execution(self: StateMachine) -> None:
        execution = self.execution
        execution.set_state(State.RESTARTED, self.now)
        execution.set_state(State.RUNNING, self.now)
        execution.outputs = None
        for key in ("failed", "phase", "afterExecutionDone", "newExecutionRetry"):
            execution.internal.pop(key, None)
        self._remove_after_branches(None)
        execution.changed = True

    def _reopen_parents(self: StateMachine, task_run: TaskRun) -> None:
        """Put the parents of a task run back to RUNNING, their failure and branches undone."""
        for parent in self.execution.ancestors(task_run):
            for key in ("failed", "timedOut", "phase", "end"):
                parent.internal.pop(key, None)
            self._remove_after_branches(parent)
            if parent.state.is_terminal:
                self.execution.set_task_run_state(parent, State.RUNNING, self.now)
            self.execution.touch(parent)
        execution_phase = self.execution.internal.get("phase", MAIN)
        if execution_phase != MAIN:
            self.execution.internal.pop("phase", None)
            self._remove_after_branches(None)

    def _remove_after_branches(self: StateMachine, parent: TaskRun | None) -> None:
        for child in list(self.execution.child_runs(parent.id if parent else None)):
            if self._in_after_branch(child, include_after_execution=parent is None):
                self.execution.remove_task_run(child)

    def _in_after_branch(
        self: StateMachine, task_run: TaskRun, include_after_execution: bool = True
    ) -> bool:
        branch = self.index.positions[task_run.task_id].branch
        if branch == "afterExecution":
            return include_after_execution
        return branch in ("errors", "finally")

    def _start_attempt(self: StateMachine, task_run: TaskRun, task: Any) -> None:
        """Start a new attempt of a runnable or executable task run."""
        from lanner.executor.machine import runs_as_job

        if isinstance(task, ExecutableTask):
            self._start_executable(task_run, task)
        elif runs_as_job(task):
            self._enqueue_job(task_run, task)
        elif isinstance(task, FlowableTask):
            self._start_flowable(task_run, task)
