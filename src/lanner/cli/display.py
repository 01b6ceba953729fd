"""How the CLI shows executions: a task run table, outputs and logs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lanner.backend.logs import LogEntry
from lanner.executions.model import Execution, TaskRun
from lanner.states import State
from lanner.timestamps import utc_now

STATE_STYLES = {
    State.SUCCESS: "green",
    State.WARNING: "yellow",
    State.FAILED: "red",
    State.KILLED: "magenta",
    State.KILLING: "magenta",
    State.CANCELLED: "magenta",
    State.RUNNING: "cyan",
    State.RETRYING: "yellow",
    State.PAUSED: "blue",
    State.SKIPPED: "dim",
    State.CREATED: "dim",
    State.QUEUED: "dim",
}


def styled_state(state: State) -> Text:
    return Text(state.value, style=STATE_STYLES.get(state, ""))


def task_run_rows(execution: Execution) -> list[tuple[int, TaskRun]]:
    """List task runs depth-first, each with its depth, in creation order within a parent."""
    rows: list[tuple[int, TaskRun]] = []

    def visit(parent_id: str | None, depth: int) -> None:
        for task_run in execution.child_runs(parent_id):
            rows.append((depth, task_run))
            visit(task_run.id, depth + 1)

    visit(None, 0)
    return rows


def duration_text(start: datetime, end: datetime | None) -> str:
    seconds = ((end or utc_now()) - start).total_seconds()
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def task_run_table(execution: Execution) -> Table:
    table = Table(
        title=f"{execution.namespace}.{execution.flow_id} · execution {execution.id}",
        title_justify="left",
        expand=False,
    )
    table.add_column("task")
    table.add_column("value")
    table.add_column("state")
    table.add_column("attempts", justify="right")
    table.add_column("duration", justify="right")
    for depth, task_run in task_run_rows(execution):
        table.add_row(
            "  " * depth + task_run.task_id,
            task_run.value or "",
            styled_state(task_run.state),
            str(len(task_run.attempts)) if task_run.attempts else "",
            duration_text(task_run.start_date, task_run.end_date),
        )
    return table


def print_summary(console: Console, execution: Execution, logs: list[LogEntry]) -> None:
    console.print(task_run_table(execution))
    duration = duration_text(execution.start_date, execution.end_date)
    console.print(Text.assemble("State: ", styled_state(execution.state), f" after {duration}"))
    if execution.outputs:
        console.print("Outputs:")
        console.print_json(json.dumps(execution.outputs, ensure_ascii=False))
    if logs:
        console.print("Logs:")
        for entry in logs:
            console.print(log_line(entry), highlight=False, markup=False)


def log_line(entry: LogEntry) -> Text:
    stamp = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
    level_style = {"ERROR": "red", "WARN": "yellow", "DEBUG": "dim", "TRACE": "dim"}
    return Text.assemble(
        (stamp, "dim"),
        " ",
        (f"{entry.level:<5}", level_style.get(entry.level, "")),
        " ",
        (entry.task_id or "-", "bold"),
        " ",
        entry.message,
    )


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
