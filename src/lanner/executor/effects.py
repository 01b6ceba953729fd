"""What applying executor messages produces besides the changed execution: the effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.executor.messages import MessageKind


@dataclass
class NewJob:
    """A worker job to create for one attempt of a runnable task run."""

    task_run_id: str
    task_id: str
    attempt: int
    task: dict[str, Any]
    context: dict[str, Any]
    worker_group: str | None
    # Dotted ids of SECRET inputs: their values in the context are encrypted.
    secret_inputs: list[str] = field(default_factory=list)
    # What to do when no live worker serves `worker_group`: WAIT, FAIL or CANCEL.
    fallback: str = "WAIT"


@dataclass
class NewMessage:
    kind: MessageKind
    payload: dict[str, Any]
    deliver_at: datetime | None = None


@dataclass
class LogLine:
    level: str
    message: str
    timestamp: datetime
    task_run_id: str | None = None
    task_id: str | None = None
    attempt: int | None = None


@dataclass
class NewExecution:
    """An execution to create: a subflow's, or a new attempt of a failed execution."""

    id: str
    namespace: str
    flow_id: str
    revision: int | None
    inputs: dict[str, Any]
    labels: list[dict[str, str]]
    # The execution and task run waiting for it: executionId, taskRunId, attempt, wait,
    # transmitFailed (a subflow), or None.
    parent: dict[str, Any] | None = None
    # True when `inputs` are already resolved (a retry reuses the failed execution's).
    resolved: bool = False
    original_id: str | None = None
    attempt_number: int = 1
    deliver_at: datetime | None = None
    trigger: dict[str, Any] | None = None


@dataclass
class Effects:
    """What applying messages produced, besides the changes to the execution itself."""

    jobs: list[NewJob] = field(default_factory=list)
    messages: list[NewMessage] = field(default_factory=list)
    kill_task_runs: list[str] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    executions: list[NewExecution] = field(default_factory=list)
    # Executions to kill: the subflows of a killed execution.
    kill_executions: list[str] = field(default_factory=list)
    ended: bool = False
