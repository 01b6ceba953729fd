"""Tasks whose effect is on the execution itself: Labels, Exit and ForEachItem.

- Labels runs on a worker, which renders the labels; the state machine merges them into the
  execution's labels when its result arrives.
- Exit ends the execution in the state it names: its task run succeeds, every other running
  task run is killed, and nothing new starts.
- ForEachItem runs in three steps, as Kestra's does: a worker job splits the items file into
  batches, one subflow execution runs per batch (with `taskrun.items` the batch's file and
  `taskrun.iteration` its number), and a worker job merges the subflows' outputs into one file.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.executions.model import Attempt, StateHistory, TaskRun
from lanner.executor.effects import NewJob
from lanner.executor.messages import require, require_enum
from lanner.executor.subflows import CHILD_LOGS_HINT, render_structure
from lanner.expressions import render
from lanner.ids import new_id
from lanner.states import State
from lanner.tasks.execution import Exit
from lanner.tasks.flow.for_each_item import ForEachItem
from lanner.tasks.flow.for_each_item_steps import MERGE_TYPE, SPLIT_TYPE
from lanner.timestamps import parse_timestamp

if TYPE_CHECKING:
    from lanner.executor.machine import StateMachine

# Kestra spells it CANCELED in Exit's `state`; the execution state is CANCELLED.
EXIT_STATES = {
    "SUCCESS": State.SUCCESS,
    "WARNING": State.WARNING,
    "KILLED": State.KILLED,
    "FAILED": State.FAILED,
    "CANCELED": State.CANCELLED,
    "CANCELLED": State.CANCELLED,
}


class ExecutionTasks:
    """The state machine's handling of Labels, Exit and ForEachItem (mixed into it)."""

    # --- Labels ---------------------------------------------------------------------------

    def _apply_labels(self: StateMachine, task_run: TaskRun) -> None:
        labels = (task_run.outputs or {}).get("labels")
        if not isinstance(labels, list):
            return
        merged = {label["key"]: label["value"] for label in self.execution.labels}
        for label in labels:
            if isinstance(label, dict) and isinstance(label.get("key"), str):
                merged[label["key"]] = str(label.get("value", ""))
        self.execution.labels = [{"key": key, "value": value} for key, value in merged.items()]
        self.execution.changed = True

    # --- WorkingDirectory -----------------------------------------------------------------

    def _record_children(self: StateMachine, task_run: TaskRun, children: Any) -> None:
        """Add the child task runs a WorkingDirectory ran on its worker, as they ended."""
        if not isinstance(children, list):
            return
        known = {child.task_id for child in self.execution.child_runs(task_run.id)}
        for item in children:
            if not isinstance(item, dict) or item.get("taskId") not in self.index.positions:
                continue
            if item["taskId"] in known:
                continue  # an earlier attempt's children are kept; a retry's are new
            state = State(item.get("state", "FAILED"))
            start = _date(item.get("startDate"), self.now)
            end = _date(item.get("endDate"), self.now)
            histories = [
                StateHistory(State.CREATED, start),
                StateHistory(State.RUNNING, start),
                StateHistory(state, end),
            ]
            attempt = Attempt(state, [StateHistory(State.RUNNING, start), StateHistory(state, end)])
            self.execution.add_task_run(
                TaskRun(
                    id=str(item.get("id") or new_id()),
                    execution_id=self.execution.id,
                    task_id=item["taskId"],
                    parent_id=task_run.id,
                    value=task_run.value,
                    iteration=None,
                    state=state,
                    histories=histories,
                    seq=0,
                    attempts=[attempt],
                    outputs=item.get("outputs"),
                )
            )

    # --- Exit -----------------------------------------------------------------------------

    def _exit(self: StateMachine, task_run: TaskRun, task: Exit) -> None:
        try:
            name = (
                render(task.state, self._context(task_run), self.instance.services).strip().upper()
            )
        except LannerError as error:
            self._fail(task_run, f"task {task.id!r}: {error}")
            return
        state = EXIT_STATES.get(name)
        if state is None:
            self._fail(
                task_run,
                f"task {task.id!r}: invalid state {name!r}; use one of "
                + ", ".join(sorted(EXIT_STATES)),
            )
            return
        self._log(task_run, "INFO", f"task {task.id!r} ends the execution as {state.value}")
        self._end(task_run, State.SUCCESS)
        self.execution.internal["exitState"] = state.value
        # Stopping like a kill: running task runs are killed and nothing new starts.
        self.execution.set_state(State.KILLING, self.now)
        self._kill_subflows()
        for other in list(self.execution.task_runs.values()):
            if other is not task_run and not other.state.is_terminal:
                self._kill(other)
        self._queue_advance(None)

    # --- ForEachItem ----------------------------------------------------------------------

    def _start_for_each_item(self: StateMachine, task_run: TaskRun, task: ForEachItem) -> None:
        batch = task.batch
        properties: dict[str, Any] = {
            "items": task.items,
            "rows": batch.rows,
            "partitions": batch.partitions,
            "separator": batch.separator,
            "regexPattern": batch.regex_pattern,
        }
        task_run.internal["step"] = "split"
        self._step_job(task_run, task, SPLIT_TYPE, "split", properties)

    def _step_job(
        self: StateMachine,
        task_run: TaskRun,
        task: ForEachItem,
        type_name: str,
        step: str,
        properties: dict[str, Any],
    ) -> None:
        attempt = Attempt(State.CREATED, [StateHistory(State.CREATED, self.now)])
        task_run.attempts.append(attempt)
        self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
        try:
            context = self._context(task_run)
        except LannerError as error:
            attempt.set_state(State.FAILED, self.now)
            self._fail(task_run, f"task {task.id!r} cannot run: {error}")
            return
        rendered = {
            key: (
                render(value, context, self.instance.services) if isinstance(value, str) else value
            )
            for key, value in properties.items()
            if value is not None
        }
        self.effects.jobs.append(
            NewJob(
                task_run_id=task_run.id,
                task_id=f"{task.id}_{step}",
                attempt=task_run.attempt_number,
                task={"id": task.id, "type": type_name, **rendered},
                context=context,
                worker_group=task.worker_group.key if task.worker_group else None,
                secret_inputs=self.flow.secret_inputs,
                fallback=(task.worker_group.fallback if task.worker_group else None) or "WAIT",
            )
        )

    def _for_each_item_result(
        self: StateMachine, task_run: TaskRun, task: ForEachItem, state: State
    ) -> bool:
        """Take a split or merge result; return True when it is handled here."""
        step = task_run.internal.get("step")
        if state is not State.SUCCESS or step not in ("split", "merge"):
            return False
        if step == "split":
            batches = (task_run.outputs or {}).get("batches") or []
            task_run.outputs = {"numberOfBatches": len(batches)}
            self._start_batches(task_run, task, batches)
            return True
        self._finish_for_each_item(task_run, task)
        return True

    def _start_batches(
        self: StateMachine, task_run: TaskRun, task: ForEachItem, batches: list[str]
    ) -> None:
        task_run.internal["step"] = "batches"
        task_run.internal["children"] = {}
        children = task_run.internal["children"]
        attempt = Attempt(State.RUNNING, [StateHistory(State.RUNNING, self.now)])
        task_run.attempts.append(attempt)
        for number, uri in enumerate(batches):
            context = self._context(task_run)
            context["taskrun"] = {**context["taskrun"], "items": uri, "iteration": number}
            try:
                child = self._child_execution(
                    task_run,
                    task,
                    context,
                    render_structure(task.inputs or {}, context, self.instance.services),
                )
            except LannerError as error:
                attempt.set_state(State.FAILED, self.now)
                self._fail(task_run, f"task {task.id!r}: {error}")
                return
            child.parent = {**(child.parent or {}), "batch": number}
            children[child.id] = {"batch": number}
            self.effects.executions.append(child)
        self.execution.touch(task_run)
        if not batches or not task.wait:
            attempt.set_state(State.SUCCESS, self.now)
            self._end(task_run, State.SUCCESS)

    def _for_each_item_child_ended(
        self: StateMachine, task_run: TaskRun, task: ForEachItem, payload: dict[str, Any]
    ) -> None:
        child_id = require(payload, "executionId", str)
        state = require_enum(payload, "state", State)
        children: dict[str, Any] = task_run.internal.get("children") or {}
        if child_id not in children or "state" in children[child_id]:
            return
        children[child_id] = {
            **children[child_id],
            "state": state.value,
            "outputs": payload.get("outputs") or {},
        }
        self.execution.touch(task_run)
        if state not in (State.SUCCESS, State.WARNING):
            batch = children[child_id].get("batch")
            self._log(
                task_run,
                "WARN",
                f"subflow execution {child_id} of batch {batch} ended {state.value}; "
                f"{CHILD_LOGS_HINT}",
            )
        if any("state" not in child for child in children.values()):
            return
        task_run.attempts[-1].set_state(State.SUCCESS, self.now)
        ordered = sorted(children.items(), key=lambda item: item[1]["batch"])
        task_run.internal["step"] = "merge"
        self._step_job(
            task_run,
            task,
            MERGE_TYPE,
            "merge",
            {"subflowOutputs": [child["outputs"] for _, child in ordered]},
        )

    def _finish_for_each_item(self: StateMachine, task_run: TaskRun, task: ForEachItem) -> None:
        children: dict[str, Any] = task_run.internal.get("children") or {}
        counts: dict[str, int] = {}
        for child in children.values():
            counts[child["state"]] = counts.get(child["state"], 0) + 1
        task_run.outputs = {
            **(task_run.outputs or {}),
            "iterations": counts,
            "numberOfBatches": len(children),
        }
        failed = any(
            child["state"] in ("FAILED", "KILLED", "CANCELLED") for child in children.values()
        )
        self._end(task_run, State.FAILED if failed and task.transmit_failed else State.SUCCESS)


def _date(value: Any, default: datetime) -> datetime:
    if not isinstance(value, str):
        return default
    try:
        return parse_timestamp(value)
    except ValueError:
        return default
