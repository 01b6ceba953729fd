"""`lanner execution list | show | logs | follow | kill`, through a running instance's API."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from lanner.cli.arguments import parse_pairs
from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json
from lanner.cli.errors import CommandFailed, handle_errors
from lanner.timestamps import parse_timestamp

TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED"}


@click.group("execution")
def execution_group() -> None:
    """List and inspect executions of a running instance."""


@execution_group.command("list")
@click.option("--namespace", help="Only executions of this namespace and its children.")
@click.option("--flow-id", help="Only executions of this flow.")
@click.option("--state", "states", multiple=True, help="Only executions in this state.")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY:VALUE",
    help="Only executions with this label; repeat to require several.",
)
@click.option("--size", default=25, show_default=True, help="How many executions to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON response.")
@server_option
@handle_errors()
def list_executions(
    namespace: str | None,
    flow_id: str | None,
    states: tuple[str, ...],
    labels: tuple[str, ...],
    size: int,
    as_json: bool,
    server: str,
) -> None:
    """List executions, newest first."""
    params: dict[str, Any] = {"size": size}
    if namespace:
        params["namespace"] = namespace
    if flow_id:
        params["flowId"] = flow_id
    if states:
        params["state"] = list(states)
    if labels:
        params["labels"] = list(labels)
    with ApiClient(server) as client:
        result = client.request("GET", "/executions/search", params=params)
    if as_json:
        click.echo(dump_json(result))
        return
    Console().print(_execution_table(result.get("results", [])))
    click.echo(f"{result.get('total', 0)} execution(s)")


def _execution_table(executions: list[dict[str, Any]]) -> Table:
    """Build the table of `execution list`, which never cuts an id, even on narrow terminals.

    Ids are copied into other commands, so their column keeps its full width and the other
    columns wrap instead. Start times are shown to the second to leave them room.
    """
    longest_id = max((len(item["id"]) for item in executions), default=0)
    table = Table()
    table.add_column("id", no_wrap=True, min_width=longest_id, overflow="fold")
    table.add_column("flow", overflow="fold")
    table.add_column("state")
    table.add_column("start (UTC)", overflow="fold")
    table.add_column("duration")

    for item in executions:
        state = item["state"]
        start = state.get("startDate")
        table.add_row(
            item["id"],
            f"{item['namespace']}.{item['flowId']}",
            state["current"],
            parse_timestamp(start).strftime("%Y-%m-%d %H:%M:%S") if start else "",
            state.get("duration") or "",
        )
    return table


@execution_group.command("show")
@click.argument("execution_id")
@server_option
@handle_errors()
def show(execution_id: str, server: str) -> None:
    """Print one execution as JSON."""
    with ApiClient(server) as client:
        click.echo(dump_json(client.request("GET", f"/executions/{execution_id}")))


@execution_group.command("logs")
@click.argument("execution_id")
@click.option("--level", default=None, help="Lowest level shown (TRACE, DEBUG, INFO, WARN, ERROR).")
@click.option(
    "--follow",
    "-f",
    "live",
    is_flag=True,
    help="Keep printing new lines until the execution has ended.",
)
@server_option
@handle_errors()
def logs(execution_id: str, level: str | None, live: bool, server: str) -> None:
    """Print the logs of an execution."""
    params = {"minLevel": level} if level else {}
    with ApiClient(server) as client:
        if not live:
            for entry in client.request("GET", f"/logs/{execution_id}", params=params):
                click.echo(_log_text(entry))
            return
        for _, data in client.stream(f"/logs/{execution_id}/follow", params=params):
            entry = json.loads(data)
            # The stream opens and closes with empty objects.
            if entry:
                click.echo(_log_text(entry))


@execution_group.command("follow")
@click.argument("execution_id")
@server_option
@handle_errors()
def follow(execution_id: str, server: str) -> None:
    """Print state changes of an execution as they happen, until it has ended.

    Exit code: 0 when it ends in SUCCESS or WARNING, 1 otherwise.
    """
    last: tuple[str, dict[str, str]] | None = None
    with ApiClient(server) as client:
        for _, data in client.stream(f"/executions/{execution_id}/follow"):
            execution = json.loads(data)
            state = execution["state"]["current"]
            runs = {run["id"]: run["state"]["current"] for run in execution.get("taskRunList", [])}
            if (state, runs) != last:
                ended = sum(1 for value in runs.values() if value in TERMINAL)
                click.echo(f"{state}: {ended}/{len(runs)} task run(s) ended")
                last = (state, runs)
    if last is None or last[0] not in TERMINAL:
        raise CommandFailed(f"the stream of execution {execution_id} ended before the execution")
    sys.exit(0 if last[0] in ("SUCCESS", "WARNING") else 1)


@execution_group.command("kill")
@click.argument("execution_id")
@server_option
@handle_errors()
def kill(execution_id: str, server: str) -> None:
    """Kill a running execution."""
    with ApiClient(server) as client:
        client.request("DELETE", f"/executions/{execution_id}/kill")
    click.echo(f"Kill requested for execution {execution_id}")


def _log_text(entry: dict[str, Any]) -> str:
    return (
        f"{entry['timestamp']} {entry['level']:<5} {entry.get('taskId') or '-'} {entry['message']}"
    )


@execution_group.command("resume")
@click.argument("execution_id")
@click.option("--input", "inputs", multiple=True, metavar="NAME=VALUE",
              help="A value of the Pause task's onResume inputs; repeat for several.")
@click.option("--task-run", "task_run_id", help="Resume only this paused task run.")
@server_option
@handle_errors()
def resume(execution_id: str, inputs: tuple[str, ...], task_run_id: str | None,
           server: str) -> None:
    """Resume a paused execution."""
    fields = parse_pairs(inputs, "--input")
    params = {"taskRunId": task_run_id} if task_run_id else {}
    with ApiClient(server) as client:
        client.request(
            "POST", f"/executions/{execution_id}/resume", params=params,
            files={name: (None, value) for name, value in fields.items()} or None,
        )
    click.echo(f"Resume requested for execution {execution_id}")


@execution_group.command("restart")
@click.argument("execution_id")
@server_option
@handle_errors()
def restart(execution_id: str, server: str) -> None:
    """Run the failed and killed task runs of an ended execution again."""
    with ApiClient(server) as client:
        client.request("POST", f"/executions/{execution_id}/restart")
    click.echo(f"Restart requested for execution {execution_id}")


@execution_group.command("replay")
@click.argument("execution_id")
@click.option("--task-run", "task_run_id", help="Run again from this task run (default: start).")
@server_option
@handle_errors()
def replay(execution_id: str, task_run_id: str | None, server: str) -> None:
    """Replay an execution as a new one, from the start or from a task run."""
    params = {"taskRunId": task_run_id} if task_run_id else {}
    with ApiClient(server) as client:
        created = client.request("POST", f"/executions/{execution_id}/replay", params=params)
    click.echo(created["id"])


@execution_group.command("set-state")
@click.argument("execution_id")
@click.argument("task_run_id")
@click.argument("state")
@server_option
@handle_errors()
def set_state(execution_id: str, task_run_id: str, state: str, server: str) -> None:
    """Set an ended task run's state by hand (for example FAILED to SUCCESS)."""
    with ApiClient(server) as client:
        client.request(
            "POST", f"/executions/{execution_id}/state",
            json={"taskRunId": task_run_id, "state": state.upper()},
        )
    click.echo(f"Task run {task_run_id} of execution {execution_id} set to {state.upper()}")
