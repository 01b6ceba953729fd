"""The executor's state machine: executor messages in, a changed execution and effects out.

It does no I/O and reads no clock: the caller passes `now` and a random generator. Everything
an execution does follows from here: which task runs come next, when a flowable ends and with
which state, retries, kills, `errors` and `finally` branches, flow outputs.

Work is done through one first-in-first-out queue: a task run that ends queues "tell its
parent", and a flowable that may be finished queues "advance it". An advance waits while an
ended child's "tell its parent" is still queued, so a child that ends at once (a `runIf` that
is false, an If with no branch to run) is handled before its parent checks whether anything is
still active. The order in which results arrive never matters: a parent ends exactly when its
last active child has ended and it has nothing left to create.
"""

from __future__ import annotations

import logging
import random
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lanner.durations import InvalidDuration, format_duration, parse_duration
from lanner.errors import LannerError
from lanner.executions.model import Attempt, Execution, StateHistory, TaskRun
from lanner.executor.context import InstanceContext, task_run_context
from lanner.executor.control import ExecutionControl
from lanner.executor.effects import Effects, LogLine, NewExecution, NewJob, NewMessage
from lanner.executor.execution_tasks import ExecutionTasks
from lanner.executor.flowable import MAIN, ChildSpec, FlowableContext, Step
from lanner.executor.messages import (
    ExecutorMessage,
    InvalidMessage,
    MessageKind,
    TimerPurpose,
    require,
    require_enum,
)
from lanner.executor.outputs import render_flow_outputs
from lanner.executor.subflows import SubflowSteps
from lanner.expressions import is_truthy, render, render_typed
from lanner.flows.executable import ExecutableFlow
from lanner.flows.model import ConcurrencyBehavior
from lanner.ids import new_id
from lanner.states import State, combine
from lanner.tasks.base import ExecutableTask, FlowableTask, RunnableTask, Task
from lanner.tasks.execution import Exit, Labels
from lanner.tasks.flow.for_each_item import ForEachItem
from lanner.tasks.flow.subflow import Subflow
from lanner.tasks.flow.working_directory import WorkingDirectory
from lanner.tasks.retry import RetryBehavior, _Retry
from lanner.timestamps import format_timestamp, parse_timestamp

logger = logging.getLogger(__name__)

# Branches that run after the main branch of a flowable (or of the flow itself).
AFTER_BRANCHES = ("errors", "finally", "afterExecution")


class StateMachine(SubflowSteps, ExecutionControl, ExecutionTasks):
    """Applies executor messages to one execution of one flow revision."""

    def __init__(
        self,
        flow: ExecutableFlow,
        execution: Execution,
        now: datetime,
        instance: InstanceContext | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.flow = flow
        self.index = flow.index
        self.execution = execution
        self.now = now
        self.instance = instance or InstanceContext()
        self.rng = rng or random.Random()
        self.effects = Effects()
        self._work: deque[Callable[[], None]] = deque()
        # Ended task runs whose end their parent has not handled yet, by parent id (None for
        # the flow).
        self._pending_ends: Counter[str | None] = Counter()

    # --- entry points ---------------------------------------------------------------------

    def apply(self, message: ExecutorMessage) -> None:
        """Apply one message; raise InvalidMessage when its payload cannot be read."""
        handler = {
            MessageKind.EXECUTION_CREATED: self._on_created,
            MessageKind.TASK_RUN_STARTED: self._on_started,
            MessageKind.TASK_RUN_RESULT: self._on_result,
            MessageKind.TASK_RUN_LOST: self._on_lost,
            MessageKind.KILL: self._on_kill,
            MessageKind.TIMER: self._on_timer,
            MessageKind.RESUME: self._on_resume,
            MessageKind.SUBFLOW_ENDED: self._on_subflow_ended,
            MessageKind.RESTART: self._on_restart,
            MessageKind.CHANGE_TASK_RUN_STATE: self._on_change_state,
        }.get(message.kind)
        if handler is None:
            raise InvalidMessage(f"unsupported message kind {message.kind!r}")
        handler(message.payload)
        self._drain()
        self._refresh_paused()

    def _refresh_paused(self) -> None:
        """Keep the execution PAUSED exactly while one of its task runs is."""
        execution = self.execution
        if execution.state not in (State.RUNNING, State.PAUSED):
            return
        paused = execution.count_state(State.PAUSED) > 0
        execution.set_state(State.PAUSED if paused else State.RUNNING, self.now)

    def recover(self) -> None:
        """Finish parents whose children all ended, e.g. after a crash between two steps."""
        if self.execution.state in (State.CREATED, State.QUEUED):
            return  # not started yet: a replay's copied parents wait for their next child
        if self.execution.state.is_terminal and self._after_execution_done():
            return
        for task_run in list(self.execution.task_runs.values()):
            if not task_run.state.is_terminal and self._is_flowable(task_run):
                self._queue_advance(task_run)
        if self.execution.state in (State.RUNNING, State.KILLING):
            self._queue_advance(None)
        self._drain()

    # --- message handlers -----------------------------------------------------------------

    def _on_created(self, payload: dict[str, Any]) -> None:
        execution = self.execution
        if execution.state not in (State.CREATED, State.QUEUED):
            return
        concurrency = self.flow.flow.concurrency
        if concurrency is not None and payload.get("slot") is False:
            # The executor service found the flow's concurrency limit reached.
            if concurrency.behavior is ConcurrencyBehavior.QUEUE:
                execution.set_state(State.QUEUED, self.now)
                return
            state = (
                State.CANCELLED
                if concurrency.behavior is ConcurrencyBehavior.CANCEL
                else State.FAILED
            )
            self._log(
                None,
                "WARN" if state is State.CANCELLED else "ERROR",
                f"the flow's concurrency limit of {concurrency.limit} running execution(s) "
                f"is reached; the execution is {state.value}",
            )
            execution.set_state(state, self.now)
            self.effects.ended = True
            return
        execution.set_state(State.RUNNING, self.now)
        replay = payload.get("replayFrom")
        if replay is not None:
            self._replay_from(replay)
        else:
            self._start_branch(None, "tasks")
        self._queue_advance(None)

    def _on_started(self, payload: dict[str, Any]) -> None:
        task_run = self._task_run(payload)
        attempt_number = require(payload, "attempt", int)
        if task_run is None or task_run.attempt_number != attempt_number:
            return
        # A task run stays RUNNING while an attempt handed on from a lost worker waits.
        if task_run.state not in (State.CREATED, State.RETRYING, State.RUNNING):
            return
        if task_run.attempts[-1].state is not State.CREATED:
            return
        attempt = task_run.attempts[-1]
        date = _not_before(_date(payload, "date", self.now), task_run, attempt)
        attempt.worker_id = payload.get("workerId")
        attempt.set_state(State.RUNNING, date)
        if task_run.state is State.RUNNING:
            self.execution.touch(task_run)
        else:
            self.execution.set_task_run_state(task_run, State.RUNNING, date)

    def _on_result(self, payload: dict[str, Any]) -> None:
        task_run = self._task_run(payload)
        attempt_number = require(payload, "attempt", int)
        state = require_enum(payload, "state", State)
        if task_run is None or task_run.state.is_terminal:
            return
        if task_run.attempt_number != attempt_number:
            # A result fenced out: the job was handed to another attempt meanwhile.
            return
        end_date = _date(payload, "endDate", self.now)
        attempt = task_run.attempts[-1]
        if attempt.state.is_terminal:
            return  # this attempt's result was applied already
        never_ran = state is State.KILLED and payload.get("startDate") is None
        if attempt.state is not State.RUNNING and not never_ran:
            # A result whose started message was missed gets its RUNNING state first, unless
            # it is a job killed before any worker claimed it (KILLED without startDate).
            start_date = _not_before(_date(payload, "startDate", end_date), task_run, attempt)
            attempt.set_state(State.RUNNING, start_date)
            if task_run.state is not State.RUNNING:
                self.execution.set_task_run_state(task_run, State.RUNNING, start_date)
        if attempt.worker_id is None and payload.get("workerId"):
            attempt.worker_id = payload["workerId"]
        end_date = _not_before(end_date, task_run, attempt)
        attempt.set_state(state, end_date)
        attempt.metrics = list(payload.get("metrics") or [])
        outputs = payload.get("outputs")
        if outputs is not None:
            task_run.outputs = outputs
        self.execution.touch(task_run)
        task = self.flow.task(task_run.task_id)
        if isinstance(task, ForEachItem) and self._for_each_item_result(task_run, task, state):
            return
        if isinstance(task, Labels) and state in (State.SUCCESS, State.WARNING):
            self._apply_labels(task_run)
        if isinstance(task, WorkingDirectory):
            self._record_children(task_run, payload.get("children"))

        if state is State.FAILED and self._schedule_retry(task_run, end_date):
            return
        if state is State.SUCCESS and attempt_number > 1 and self._warn_on_retry(task_run):
            state = State.WARNING
        self._end(task_run, state)

    def _on_lost(self, payload: dict[str, Any]) -> None:
        """Run a task run again as a new attempt after its worker stopped without a result."""
        task_run = self._task_run(payload)
        attempt_number = require(payload, "attempt", int)
        if task_run is None or task_run.state.is_terminal:
            return
        if task_run.attempt_number != attempt_number or task_run.attempts[-1].state.is_terminal:
            return
        worker = payload.get("workerId") or "its worker"
        task_run.attempts[-1].set_state(State.FAILED, self.now)
        self.execution.touch(task_run)
        if not self._running():
            self._end(task_run, State.KILLED, apply_allowances=False)
            return
        self._log(
            task_run,
            "WARN",
            f"worker {worker} stopped before reporting attempt {attempt_number}; "
            f"the task run starts again as attempt {attempt_number + 1}",
        )
        self._start_attempt(task_run, self.flow.task(task_run.task_id))

    def _on_kill(self, payload: dict[str, Any]) -> None:
        execution = self.execution
        if execution.state.is_terminal:
            return
        if execution.state in (State.CREATED, State.QUEUED):
            execution.set_state(State.KILLED, self.now)
            self.effects.ended = True
            self._start_after_execution()
            return
        execution.set_state(State.KILLING, self.now)
        self._kill_subflows()
        for task_run in list(execution.task_runs.values()):
            if not task_run.state.is_terminal:
                self._kill(task_run)
        self._queue_advance(None)

    def _on_timer(self, payload: dict[str, Any]) -> None:
        task_run = self._task_run(payload)
        purpose = require_enum(payload, "purpose", TimerPurpose)
        if task_run is None or task_run.state.is_terminal:
            return
        if purpose is TimerPurpose.RETRY:
            if task_run.state is State.RETRYING and self._running():
                self._start_attempt(task_run, self.flow.task(task_run.task_id))
        elif purpose is TimerPurpose.FLOWABLE:
            if task_run.internal.get("wakeAt") != payload.get("wakeAt"):
                return  # superseded by a later timer
            task_run.internal.pop("wakeAt", None)
            task = self.flow.task(task_run.task_id)
            if isinstance(task, FlowableTask) and self._running():
                self._apply_step(task_run, self._call(task_run, task, task.on_timer))
            self._queue_advance(task_run)
        elif purpose is TimerPurpose.TIMEOUT:
            self._time_out(task_run)

    # --- creating task runs ---------------------------------------------------------------

    def _start_branch(self, parent: TaskRun | None, branch: str, value: str | None = None) -> bool:
        """Create the first task of a branch; return False when the branch is empty."""
        parent_id = parent.task_id if parent else None
        tasks = self.index.branch(parent_id, branch)
        if not tasks:
            return False
        self._create(parent, ChildSpec(tasks[0], value))
        return True

    def _create(self, parent: TaskRun | None, spec: ChildSpec) -> TaskRun:
        execution = self.execution
        task_run = execution.add_task_run(
            TaskRun(
                id=new_id(),
                execution_id=execution.id,
                task_id=spec.task.id,
                parent_id=parent.id if parent else None,
                value=spec.value,
                iteration=spec.iteration,
                state=State.CREATED,
                histories=[StateHistory(State.CREATED, self.now)],
                seq=0,
            )
        )
        task = spec.task
        try:
            runs = self._run_if(task_run, task)
        except LannerError as error:
            self._fail(task_run, f"runIf of task {task.id!r} could not be evaluated: {error}")
            return task_run
        if not runs:
            self._end(task_run, State.SKIPPED, apply_allowances=False)
        elif isinstance(task, Exit):
            self._exit(task_run, task)
        elif runs_as_job(task):
            self._enqueue_job(task_run, task)
        elif isinstance(task, FlowableTask):
            self._start_flowable(task_run, task)
        elif isinstance(task, ExecutableTask):
            self._start_executable(task_run, task)
        else:
            self._fail(task_run, f"task type {task.type!r} cannot run in this version of Lanner")
        return task_run

    def _run_if(self, task_run: TaskRun, task: Task) -> bool:
        condition = task.run_if
        if condition is True or (isinstance(condition, str) and condition.strip() == "true"):
            return True
        if isinstance(condition, bool):
            return condition
        context = task_run_context(self.flow, self.execution, task_run, self.instance)
        return is_truthy(render_typed(condition, context, self.instance.services))

    def _enqueue_job(self, task_run: TaskRun, task: Task) -> None:
        attempt = Attempt(State.CREATED, [StateHistory(State.CREATED, self.now)])
        task_run.attempts.append(attempt)
        self.execution.touch(task_run)
        try:
            context = task_run_context(self.flow, self.execution, task_run, self.instance)
        except LannerError as error:
            # An expression of the task that cannot be parsed: no attempt can ever run it.
            attempt.set_state(State.FAILED, self.now)
            self._fail(task_run, f"task {task.id!r} cannot run: {error}")
            return
        self.effects.jobs.append(
            NewJob(
                task_run_id=task_run.id,
                task_id=task_run.task_id,
                attempt=task_run.attempt_number,
                task=self.flow.task_dump(task.id),
                context=context,
                worker_group=task.worker_group.key if task.worker_group else None,
                secret_inputs=self.flow.secret_inputs,
                fallback=(task.worker_group.fallback if task.worker_group else None) or "WAIT",
            )
        )

    def _start_flowable(self, task_run: TaskRun, task: FlowableTask) -> None:
        self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
        try:
            timeout = self._timeout(task_run, task)
        except LannerError as error:
            self._apply_step(task_run, Step(error=_located(task, error)))
            self._queue_advance(task_run)
            return
        if timeout is not None:
            task_run.internal["timeout"] = format_duration(timeout)
            self._timer(task_run, TimerPurpose.TIMEOUT, self.now + timeout)
        self._apply_step(task_run, self._call(task_run, task, task.start))
        self._queue_advance(task_run)

    def _timeout(self, task_run: TaskRun, task: Task) -> timedelta | None:
        """Read a flowable's timeout, rendering it when it is an expression."""
        if not isinstance(task.timeout, str):
            return task.timeout
        rendered = render_typed(task.timeout, self._context(task_run), self.instance.services)
        if isinstance(rendered, timedelta):
            return rendered
        try:
            return parse_duration(str(rendered))
        except InvalidDuration as error:
            raise LannerError(f"invalid timeout: {error}") from None

    def _call(self, task_run: TaskRun, task: FlowableTask, method: Any) -> Step:
        """Call a flowable's decision method; an expression error fails the task run."""
        context = self._flowable_context(task_run, task)
        try:
            step: Step = method(context)
        except LannerError as error:
            return Step(error=_located(task, error))
        return step

    def _flowable_context(
        self, task_run: TaskRun, task: Task, ended_child: TaskRun | None = None
    ) -> FlowableContext:
        def render_text(text: str) -> str:
            return render(text, self._context(task_run), self.instance.services)

        def render_value(value: Any) -> Any:
            return render_typed(value, self._context(task_run), self.instance.services)

        return FlowableContext(
            task=task,
            task_run=task_run,
            children=self.execution.children(task_run.id),
            index=self.index,
            now=self.now,
            render_typed=render_value,
            render=render_text,
            ended_child=ended_child,
        )

    def _context(self, task_run: TaskRun) -> dict[str, Any]:
        return task_run_context(self.flow, self.execution, task_run, self.instance)

    def _apply_step(self, task_run: TaskRun, step: Step) -> None:
        if step.outputs is not None:
            task_run.outputs = {**(task_run.outputs or {}), **step.outputs}
            self.execution.touch(task_run)
        if step.error is not None:
            self._log_error(task_run, step.error)
            task_run.internal["failed"] = True
            # A failure ends any wait: the task run goes on to its errors branch or its end.
            task_run.internal.pop("waiting", None)
            if task_run.state is State.PAUSED:
                self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
            self.execution.touch(task_run)
            return
        if step.wait:
            task_run.internal["waiting"] = True
        else:
            task_run.internal.pop("waiting", None)
        if step.pause:
            self.execution.set_task_run_state(task_run, State.PAUSED, self.now)
        elif task_run.state is State.PAUSED:
            self.execution.set_task_run_state(task_run, State.RUNNING, self.now)
        if step.end is not None:
            task_run.internal["end"] = step.end.value
        if step.wake_at is not None:
            self._timer(task_run, TimerPurpose.FLOWABLE, step.wake_at)
        self.execution.touch(task_run)
        for spec in step.create:
            self._create(task_run, spec)

    def _timer(self, task_run: TaskRun, purpose: TimerPurpose, when: datetime) -> None:
        payload = {"taskRunId": task_run.id, "purpose": purpose.value}
        if purpose is TimerPurpose.FLOWABLE:
            # Only the latest flowable timer counts; an earlier one that fires is ignored.
            payload["wakeAt"] = when.isoformat()
            task_run.internal["wakeAt"] = payload["wakeAt"]
            self.execution.touch(task_run)
        self.effects.messages.append(NewMessage(MessageKind.TIMER, payload, deliver_at=when))

    # --- ending task runs -----------------------------------------------------------------

    def _end(self, task_run: TaskRun, state: State, apply_allowances: bool = True) -> None:
        """End a task run and queue its parent for a decision."""
        if apply_allowances:
            task = self.flow.task(task_run.task_id)
            if task.allow_failure and state is State.FAILED:
                state = State.WARNING
            if task.allow_warning and state is State.WARNING:
                state = State.SUCCESS
        self.execution.set_task_run_state(task_run, state, self.now)
        parent = self.execution.parent_of(task_run)
        self._pending_ends[task_run.parent_id] += 1
        self._work.append(lambda: self._child_ended(parent, task_run))

    def _queue_advance(self, parent: TaskRun | None) -> None:
        self._work.append(lambda: self._advance(parent))

    def _fail(self, task_run: TaskRun, message: str) -> None:
        self._log_error(task_run, message)
        self._end(task_run, State.FAILED)

    def _drain(self) -> None:
        while self._work:
            self._work.popleft()()

    def _child_ended(self, parent: TaskRun | None, child: TaskRun) -> None:
        self._pending_ends[child.parent_id] -= 1
        if parent is not None and parent.state.is_terminal:
            return
        ended = parent is None and self.execution.state.is_terminal
        if ended and self._phase(None) != "afterExecution":
            return
        phase = self._phase(parent)
        child_phase = self._phase_of_branch(self.index.positions[child.task_id].branch)
        if child_phase == phase and self._may_continue(parent):
            if child.state.is_failed:
                self._mark_failed(parent)
            elif phase == MAIN and not self._failed(parent):
                if parent is None:
                    self._create_next_in_branch(parent, child)
                else:
                    task = self.flow.task(parent.task_id)
                    assert isinstance(task, FlowableTask)
                    context = self._flowable_context(parent, task, ended_child=child)
                    try:
                        step = task.on_child_end(context)
                    except LannerError as error:
                        step = Step(error=_located(task, error))
                    self._apply_step(parent, step)
            elif phase != MAIN:
                self._create_next_in_branch(parent, child)
        self._queue_advance(parent)

    def _create_next_in_branch(self, parent: TaskRun | None, child: TaskRun) -> None:
        following = self.index.next_in_branch(child.task_id)
        if following is not None:
            self._create(parent, ChildSpec(following, child.value, child.iteration))

    def _advance(self, parent: TaskRun | None) -> None:
        """Move a flowable (or the flow) to its next branch, or end it, once nothing is active."""
        if parent is not None and parent.state.is_terminal:
            return
        if parent is None and self.execution.state.is_terminal:
            if self._phase(None) == "afterExecution" and not self.execution.children(None).active:
                self.execution.internal["afterExecutionDone"] = True
                self.execution.changed = True
            return
        children = self.execution.children(parent.id if parent else None)
        if children.active or (parent is not None and parent.internal.get("waiting")):
            return
        if self._pending_ends[parent.id if parent else None]:
            # A child ended but its parent has not decided what follows it: an advance is
            # queued after that decision. A flowable that ends as it starts (an If without
            # a matching branch) would otherwise let its parent end before its next sibling.
            return
        if parent is None and self.execution.state not in (
            State.RUNNING,
            State.PAUSED,
            State.KILLING,
        ):
            return

        phase = self._phase(parent)
        if self._may_continue(parent):
            if phase == MAIN and self._failed(parent) and self._enter(parent, "errors"):
                return
            if phase in (MAIN, "errors") and self._enter(parent, "finally"):
                return
        self._complete(parent)

    def _enter(self, parent: TaskRun | None, branch: str) -> bool:
        if not self._start_branch(parent, branch):
            return False
        self._set_phase(parent, branch)
        return True

    def _complete(self, parent: TaskRun | None) -> None:
        states = [
            child.state
            for child in self.execution.child_runs(parent.id if parent else None)
            if self._phase_of_branch(self.index.positions[child.task_id].branch) != "afterExecution"
        ]
        state = combine(states)
        if self._failed(parent) and state not in (State.KILLED, State.FAILED, State.CANCELLED):
            state = State.FAILED
        if self.execution.state is State.KILLING:
            state = State.KILLED
        exit_state = self.execution.internal.get("exitState")
        if parent is None and exit_state:
            state = State(exit_state)
        if parent is not None:
            if parent.internal.pop("timedOut", False):
                state = State.FAILED
            forced = parent.internal.get("end")
            if forced and state not in (State.KILLED, State.FAILED):
                state = State(forced)
            self._end(parent, state)
            return
        self._end_execution(state)

    def _end_execution(self, state: State) -> None:
        execution = self.execution
        if state in (State.SUCCESS, State.WARNING):
            try:
                execution.outputs = render_flow_outputs(self.flow, execution, self.instance)
            except LannerError as error:
                self._log_error(None, str(error))
                state = State.FAILED
        if state is State.FAILED and self._retry_as_new_execution():
            state = State.RETRIED
        execution.set_state(state, self.now)
        self.effects.ended = True
        self._start_after_execution()

    def _retry_as_new_execution(self) -> bool:
        """Ask for a new execution of a failed one, when a retry policy says so."""
        failed_task = self.execution.internal.get("newExecutionRetry")
        policy = self._retry_policy(failed_task) if failed_task else self.flow.flow.retry
        if policy is None or policy.behavior is not RetryBehavior.CREATE_NEW_EXECUTION:
            return False
        execution = self.execution
        attempt = int(execution.internal.get("attemptNumber", 1)) + 1
        wait = policy.interval_before(attempt, self.rng)
        first_start = parse_timestamp(
            execution.internal.get("firstAttemptDate") or format_timestamp(execution.start_date)
        )
        if not policy.allows(attempt, first_start, self.now + wait):
            return False
        self.effects.executions.append(
            NewExecution(
                id=new_id(),
                namespace=execution.namespace,
                flow_id=execution.flow_id,
                revision=execution.flow_revision,
                inputs=execution.inputs,
                labels=execution.labels,
                parent=execution.parent,
                resolved=True,
                original_id=execution.original_id or execution.id,
                attempt_number=attempt,
                deliver_at=self.now + wait,
                trigger=execution.trigger,
            )
        )
        self._log(
            None,
            "WARN",
            f"the execution failed; attempt {attempt} starts as a new "
            f"execution after {format_duration(wait)}",
        )
        return True

    def _start_after_execution(self) -> None:
        if self._start_branch(None, "afterExecution"):
            self._set_phase(None, "afterExecution")

    def _after_execution_done(self) -> bool:
        if not self.index.branch(None, "afterExecution"):
            return True
        return bool(self.execution.internal.get("afterExecutionDone"))

    # --- retries, kills and timeouts ------------------------------------------------------

    def _schedule_retry(self, task_run: TaskRun, failed_at: datetime) -> bool:
        if not self._running():
            return False
        policy = self._retry_policy(task_run.task_id)
        if policy is not None and policy.behavior is RetryBehavior.CREATE_NEW_EXECUTION:
            # The task fails as it is; the execution as a whole is retried once it ends.
            self.execution.internal["newExecutionRetry"] = task_run.task_id
            self.execution.changed = True
            return False
        if policy is None or policy.behavior is not RetryBehavior.RETRY_FAILED_TASK:
            return False
        next_attempt = task_run.attempt_number + 1
        wait = policy.interval_before(next_attempt, self.rng)
        first_start = task_run.attempts[0].start_date or task_run.start_date
        next_start = failed_at + wait
        if not policy.allows(next_attempt, first_start, next_start):
            return False
        self.execution.set_task_run_state(task_run, State.RETRYING, self.now)
        self._timer(task_run, TimerPurpose.RETRY, next_start)
        return True

    def _retry_policy(self, task_id: str) -> _Retry | None:
        """Find the retry of a task: its own, else its closest parent's, else the flow's."""
        current: str | None = task_id
        while current is not None:
            position = self.index.positions[current]
            if position.task.retry is not None:
                return position.task.retry
            current = position.parent_id
        return self.flow.flow.retry

    def _warn_on_retry(self, task_run: TaskRun) -> bool:
        policy = self._retry_policy(task_run.task_id)
        return policy is not None and policy.warning_on_retry

    def _kill(self, task_run: TaskRun) -> None:
        task = self.flow.task(task_run.task_id)
        attempt = task_run.attempts[-1] if task_run.attempts else None
        if runs_as_job(task) and attempt and not attempt.state.is_terminal:
            # A job exists for the current attempt, a retry's included: the worker (or the job
            # queue, for an unclaimed job) answers with KILLED.
            self.effects.kill_task_runs.append(task_run.id)
        elif isinstance(task, Subflow) and task.wait and attempt and not attempt.state.is_terminal:
            # Its child execution is being killed, and the child's end ends this task run.
            return
        elif runs_as_job(task) or not self.execution.children(task_run.id).active:
            # A retry wait, a paused task or a waiting flowable: nothing runs, end it now.
            self._end(task_run, State.KILLED, apply_allowances=False)

    def _time_out(self, task_run: TaskRun) -> None:
        task = self.flow.task(task_run.task_id)
        timeout = task_run.internal.get("timeout", "its timeout")
        self._log_error(task_run, f"task {task.id!r} timed out after {timeout}")
        task_run.internal["timedOut"] = True
        task_run.internal["failed"] = True
        task_run.internal.pop("waiting", None)
        self.execution.touch(task_run)
        for descendant in self._active_descendants(task_run):
            self._kill(descendant)
        self._queue_advance(task_run)

    def _active_descendants(self, task_run: TaskRun) -> list[TaskRun]:
        found = []
        pending = [task_run.id]
        while pending:
            for child in self.execution.child_runs(pending.pop()):
                if not child.state.is_terminal:
                    found.append(child)
                    pending.append(child.id)
        return found

    # --- phases and small helpers ---------------------------------------------------------

    def _phase(self, parent: TaskRun | None) -> str:
        holder = parent.internal if parent is not None else self.execution.internal
        phase: str = holder.get("phase", MAIN)
        return phase

    def _set_phase(self, parent: TaskRun | None, phase: str) -> None:
        if parent is not None:
            parent.internal["phase"] = phase
            self.execution.touch(parent)
        else:
            self.execution.internal["phase"] = phase
            self.execution.changed = True

    @staticmethod
    def _phase_of_branch(branch: str) -> str:
        return branch if branch in AFTER_BRANCHES else MAIN

    def _failed(self, parent: TaskRun | None) -> bool:
        holder = parent.internal if parent is not None else self.execution.internal
        return bool(holder.get("failed"))

    def _mark_failed(self, parent: TaskRun | None) -> None:
        if parent is not None:
            parent.internal["failed"] = True
            self.execution.touch(parent)
        else:
            self.execution.internal["failed"] = True
            self.execution.changed = True

    def _may_continue(self, parent: TaskRun | None) -> bool:
        """Tell whether new task runs may start under `parent`.

        Nothing starts while the execution is being killed or below a flowable that timed out,
        except the flow's afterExecution tasks, which run once the execution has ended.
        """
        if not self._running():
            return False
        if parent is None:
            return True
        if parent.internal.get("timedOut"):
            return False
        return not any(
            ancestor.internal.get("timedOut") for ancestor in self.execution.ancestors(parent)
        )

    def _running(self) -> bool:
        """Tell whether task runs may be created: while running, or for afterExecution tasks."""
        if self.execution.state in (State.RUNNING, State.PAUSED):
            return True
        return self.execution.state.is_terminal and self._phase(None) == "afterExecution"

    def _is_flowable(self, task_run: TaskRun) -> bool:
        """Tell whether the executor orders this task run's children itself."""
        task = self.flow.task(task_run.task_id)
        return isinstance(task, FlowableTask) and not runs_as_job(task)

    def _task_run(self, payload: dict[str, Any]) -> TaskRun | None:
        task_run_id = require(payload, "taskRunId", str)
        return self.execution.task_runs.get(task_run_id)

    def _log_error(self, task_run: TaskRun | None, message: str) -> None:
        self._log(task_run, "ERROR", message)

    def _log(self, task_run: TaskRun | None, level: str, message: str) -> None:
        self.effects.logs.append(
            LogLine(
                level=level,
                message=message,
                timestamp=self.now,
                task_run_id=task_run.id if task_run else None,
                task_id=task_run.task_id if task_run else None,
                attempt=task_run.attempt_number or None if task_run else None,
            )
        )


def runs_as_job(task: Task) -> bool:
    """Tell whether a task runs on a worker as one job: runnable tasks, and WorkingDirectory,
    whose children share one working directory on one worker."""
    return isinstance(task, (RunnableTask, WorkingDirectory))


def _not_before(date: datetime, task_run: TaskRun, attempt: Attempt) -> datetime:
    """Move a date a worker reported to no earlier than the last state it follows.

    A worker's clock may lag the executor's, and a worker may read its clock before it waits
    for a database lock, so its dates can precede the attempt's creation by the executor.
    """
    return max(date, task_run.histories[-1].date, attempt.histories[-1].date)


def _located(task: Task, error: LannerError) -> str:
    """Name the task in an error message unless the message already does."""
    message = str(error)
    return message if f"task {task.id!r}" in message else f"task {task.id!r}: {message}"


def _date(payload: dict[str, Any], name: str, default: datetime) -> datetime:
    value = payload.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidMessage(f"field {name!r} must be an ISO-8601 date, got {value!r}")
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise InvalidMessage(f"field {name!r} is not an ISO-8601 date: {value!r}") from error


def apply_messages(
    flow: ExecutableFlow,
    execution: Execution,
    messages: list[ExecutorMessage],
    now: datetime,
    instance: InstanceContext | None = None,
    rng: random.Random | None = None,
) -> Effects:
    """Apply messages in order to one execution and return the effects."""
    machine = StateMachine(flow, execution, now, instance, rng)
    for message in messages:
        machine.apply(message)
    return machine.effects


__all__ = [
    "Effects",
    "LogLine",
    "NewJob",
    "NewMessage",
    "StateMachine",
    "apply_messages",
]
