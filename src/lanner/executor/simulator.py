"""Run a flow through the state machine alone, with no database and a simulated clock.

The simulator plays the executor service and the workers: it applies executor messages, runs
runnable tasks in-process (Sleep only advances the clock), and lets a test choose the order in
which running task runs finish and how many results arrive in one batch. Tests of flowable
semantics use it to cover thousands of cases a second, including orders a real run rarely shows.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.errors import ExpressionError, LannerError, TaskFailure
from lanner.executions.model import Execution, StateHistory
from lanner.executor.context import InstanceContext
from lanner.executor.machine import NewJob, StateMachine
from lanner.executor.messages import ExecutorMessage, MessageKind
from lanner.flows.executable import ExecutableFlow
from lanner.flows.model import Flow
from lanner.flows.parser import parse_flow
from lanner.ids import new_id
from lanner.states import State
from lanner.storage.base import Storage, StoredObject
from lanner.tasks.base import RunnableTask
from lanner.tasks.flow.sleep import Sleep
from lanner.timestamps import format_timestamp
from lanner.worker.context import RunContext, TaskLogger, TaskLogRecord

START = datetime(2024, 1, 1, tzinfo=UTC)

# How a test picks which running job finishes next, given the jobs in start order.
Chooser = Callable[[list["SimulatedJob"]], int]


def first_started(jobs: list[SimulatedJob]) -> int:
    return 0


def last_started(jobs: list[SimulatedJob]) -> int:
    return len(jobs) - 1


def random_order(seed: int) -> Chooser:
    rng = random.Random(seed)
    return lambda jobs: rng.randrange(len(jobs))


@dataclass
class SimulatedJob:
    job: NewJob
    started_at: datetime
    ends_at: datetime
    result: dict[str, Any]


@dataclass
class LogRecord:
    task_id: str | None
    task_run_id: str | None
    level: str
    message: str


@dataclass
class Simulation:
    """The outcome of a simulated run."""

    execution: Execution
    logs: list[LogRecord] = field(default_factory=list)
    dead_messages: list[tuple[ExecutorMessage, str]] = field(default_factory=list)
    batches: int = 0

    def runs(self, task_id: str) -> list[Any]:
        return self.execution.runs_of_task(task_id)

    def messages_of(self, task_id: str) -> list[str]:
        return [log.message for log in self.logs if log.task_id == task_id]


class _MemoryStorage(Storage):
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> StoredObject:
        self.files[key] = data
        return StoredObject(key, len(data))

    async def get(self, key: str) -> bytes:
        return self.files[key]

    async def stat(self, key: str) -> StoredObject | None:
        return StoredObject(key, len(self.files[key])) if key in self.files else None

    async def delete(self, key: str) -> bool:
        return self.files.pop(key, None) is not None

    async def list(self, prefix: str):  # type: ignore[no-untyped-def]
        for key in sorted(self.files):
            if key.startswith(prefix):
                yield StoredObject(key, len(self.files[key]))


class Simulator:
    def __init__(
        self,
        flow: Flow | str,
        inputs: dict[str, Any] | None = None,
        *,
        choose: Chooser = first_started,
        batch_size: int = 1,
        task_duration: timedelta = timedelta(milliseconds=10),
        fail_attempts: dict[str, int] | None = None,
        seed: int = 0,
        max_steps: int = 200_000,
    ) -> None:
        parsed = parse_flow(flow) if isinstance(flow, str) else flow
        self.flow = ExecutableFlow.of(parsed.model_copy(update={"revision": 1}))
        self.now = START
        self.choose = choose
        self.batch_size = batch_size
        self.task_duration = task_duration
        # Fail the first N attempts of these tasks, whatever they do.
        self.fail_attempts = fail_attempts or {}
        self.rng = random.Random(seed)
        self.max_steps = max_steps
        self.storage = _MemoryStorage()
        self.execution = Execution(
            id=new_id(),
            namespace=parsed.namespace,
            flow_id=parsed.id,
            flow_revision=1,
            state=State.CREATED,
            histories=[StateHistory(State.CREATED, self.now)],
            inputs=inputs or {},
            labels=[{"key": label.key, "value": label.value} for label in parsed.labels],
        )
        self.result = Simulation(self.execution)
        self._messages: list[ExecutorMessage] = [
            ExecutorMessage(self.execution.id, MessageKind.EXECUTION_CREATED, {})
        ]
        self._timers: list[ExecutorMessage] = []
        self._running: list[SimulatedJob] = []
        self._sequence = 0

    # --- driving --------------------------------------------------------------------------

    def run(self) -> Simulation:
        """Run until the execution and its afterExecution tasks have ended."""
        for _ in range(self.max_steps):
            if self._messages:
                self._apply(self._take_batch())
            elif self._running:
                self._finish_next()
            elif self._timers:
                self._fire_next_timer()
            else:
                return self.result
        raise AssertionError(f"the simulation did not end within {self.max_steps} steps")

    def send(self, kind: MessageKind, payload: dict[str, Any] | None = None) -> None:
        """Queue a message as an API call would (a kill, a resume)."""
        self._messages.append(ExecutorMessage(self.execution.id, kind, payload or {}))

    def step_until(self, predicate: Callable[[Execution], bool]) -> None:
        """Run until a condition on the execution holds, e.g. to kill it at a chosen moment."""
        for _ in range(self.max_steps):
            if predicate(self.execution):
                return
            if self._messages:
                self._apply(self._take_batch())
            elif self._running:
                self._finish_next()
            elif self._timers:
                self._fire_next_timer()
            else:
                raise AssertionError("the execution ended before the condition held")
        raise AssertionError("the condition never held")

    def _take_batch(self) -> list[ExecutorMessage]:
        batch = self._messages[: self.batch_size]
        del self._messages[: self.batch_size]
        return batch

    def _apply(self, batch: list[ExecutorMessage]) -> None:
        machine = StateMachine(self.flow, self.execution, self.now, InstanceContext(), self.rng)
        self.result.batches += 1
        for message in batch:
            message.id = self._next_id()
            try:
                machine.apply(message)
            except LannerError as error:
                self.result.dead_messages.append((message, str(error)))
        effects = machine.effects
        for line in effects.logs:
            self.result.logs.append(
                LogRecord(line.task_id, line.task_run_id, line.level, line.message)
            )
        for job in effects.jobs:
            self._start(job)
        for follow_up in effects.messages:
            queued = ExecutorMessage(
                self.execution.id,
                follow_up.kind,
                follow_up.payload,
                deliver_at=follow_up.deliver_at,
            )
            if follow_up.deliver_at is not None and follow_up.deliver_at > self.now:
                self._timers.append(queued)
            else:
                self._messages.append(queued)
        for task_run_id in effects.kill_task_runs:
            self._kill(task_run_id)
        self.execution.clear_changes()

    def _next_id(self) -> int:
        self._sequence += 1
        return self._sequence

    # --- workers --------------------------------------------------------------------------

    def _start(self, job: NewJob) -> None:
        self._messages.append(
            ExecutorMessage(
                self.execution.id,
                MessageKind.TASK_RUN_STARTED,
                {
                    "taskRunId": job.task_run_id,
                    "attempt": job.attempt,
                    "date": format_timestamp(self.now),
                },
            )
        )
        result, duration = self._execute(job)
        end = self.now + duration
        result.update(
            {
                "taskRunId": job.task_run_id,
                "attempt": job.attempt,
                "startDate": format_timestamp(self.now),
                "endDate": format_timestamp(end),
            }
        )
        self._running.append(SimulatedJob(job, self.now, end, result))

    def _execute(self, job: NewJob) -> tuple[dict[str, Any], timedelta]:
        task = self.flow.task(job.task_id)
        assert isinstance(task, RunnableTask)
        records: list[TaskLogRecord] = []
        context = RunContext(
            variables=job.context, logger=TaskLogger(records.append), storage=self.storage
        )
        duration = self.task_duration
        failures_left = self.fail_attempts.get(job.task_id, 0)
        outputs = None
        try:
            if job.attempt <= failures_left:
                raise TaskFailure(f"simulated failure of attempt {job.attempt}")
            if isinstance(task, Sleep):
                duration = _sleep_duration(task, context)
            else:
                outputs = asyncio.run(task.run(context))
            state = State.SUCCESS
        except (TaskFailure, ExpressionError, LannerError) as error:
            records.append(TaskLogRecord("ERROR", str(error), self.now))
            state = State.FAILED
        for record in records:
            self.result.logs.append(
                LogRecord(job.task_id, job.task_run_id, record.level, record.message)
            )
        return {"state": state.value, "outputs": outputs}, duration

    def _finish_next(self) -> None:
        for _ in range(self.batch_size):
            if not self._running:
                break
            index = self.choose(self._running)
            finished = self._running.pop(index)
            self.now = max(self.now, finished.ends_at)
            self._messages.append(
                ExecutorMessage(self.execution.id, MessageKind.TASK_RUN_RESULT, finished.result)
            )

    def _kill(self, task_run_id: str) -> None:
        for index, running in enumerate(self._running):
            if running.job.task_run_id == task_run_id:
                del self._running[index]
                self._messages.append(
                    ExecutorMessage(
                        self.execution.id,
                        MessageKind.TASK_RUN_RESULT,
                        {
                            "taskRunId": task_run_id,
                            "attempt": running.job.attempt,
                            "state": State.KILLED.value,
                            "endDate": format_timestamp(self.now),
                        },
                    )
                )
                return

    def _fire_next_timer(self) -> None:
        self._timers.sort(key=lambda message: message.deliver_at or self.now)
        timer = self._timers.pop(0)
        assert timer.deliver_at is not None
        self.now = max(self.now, timer.deliver_at)
        self._messages.append(timer)


def _sleep_duration(task: Sleep, context: RunContext) -> timedelta:
    if isinstance(task.duration, timedelta):
        return task.duration
    from lanner.durations import parse_duration

    return parse_duration(str(context.render_typed(task.duration, "duration")))


def simulate(flow: Flow | str, inputs: dict[str, Any] | None = None, **options: Any) -> Simulation:
    """Run a flow in the simulator and return the outcome."""
    return Simulator(flow, inputs, **options).run()
