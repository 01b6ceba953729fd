"""Replay: a new execution that keeps what ran before a chosen task run and runs the rest."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from lanner.executions.model import Execution, TaskRun
from lanner.ids import new_id
from lanner.states import State

# Flowable bookkeeping that a reopened parent forgets.
_REOPEN_KEYS = ("failed", "timedOut", "phase", "end", "waiting", "wakeAt")


def copy_before(
    source: Execution, replay: Execution, chosen: TaskRun, now: datetime
) -> dict[str, Any]:
    """Copy into `replay` the task runs created before `chosen`; return where to start.

    The parents of the chosen task run are copied as RUNNING, so they go on once it ends;
    every other copied task run keeps the state it ended with.
    """
    ancestors = {parent.id for parent in source.ancestors(chosen)}
    new_ids: dict[str, str] = {}
    for task_run in sorted(source.task_runs.values(), key=lambda run: run.seq):
        if task_run.seq >= chosen.seq:
            continue
        if task_run.parent_id is not None and task_run.parent_id not in new_ids:
            continue  # under a task run that is not copied
        new_ids[task_run.id] = new_id()
        copied = TaskRun(
            id=new_ids[task_run.id],
            execution_id=replay.id,
            task_id=task_run.task_id,
            parent_id=new_ids.get(task_run.parent_id) if task_run.parent_id else None,
            value=task_run.value,
            iteration=task_run.iteration,
            state=task_run.state,
            histories=copy.deepcopy(task_run.histories),
            seq=0,
            attempts=copy.deepcopy(task_run.attempts),
            outputs=copy.deepcopy(task_run.outputs),
            internal=copy.deepcopy(task_run.internal),
        )
        if task_run.id in ancestors:
            for key in _REOPEN_KEYS:
                copied.internal.pop(key, None)
            if copied.state is not State.RUNNING:
                copied.state = State.RUNNING
                copied.histories.append(type(copied.histories[0])(State.RUNNING, now))
        replay.add_task_run(copied)
    return {
        "parentId": new_ids.get(chosen.parent_id) if chosen.parent_id else None,
        "taskId": chosen.task_id,
        "value": chosen.value,
        "iteration": chosen.iteration,
    }
