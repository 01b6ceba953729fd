"""`lanner trigger list | disable | enable | backfill`, through a running instance's API."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table

from lanner.cli.arguments import parse_pairs
from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json
from lanner.cli.errors import handle_errors


@click.group("trigger")
def trigger_group() -> None:
    """List, disable, enable and backfill the triggers of a running instance."""


@trigger_group.command("list")
@click.option("--namespace", help="Only triggers of this namespace and its children.")
@click.option("--flow-id", help="Only triggers of this flow.")
@click.option("--size", default=100, show_default=True, help="How many triggers to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON response.")
@server_option
@handle_errors()
def list_triggers(
    namespace: str | None, flow_id: str | None, size: int, as_json: bool, server: str
) -> None:
    """List triggers with their next date and whether they are disabled."""
    params: dict[str, Any] = {"size": size}
    if namespace:
        params["namespace"] = namespace
    if flow_id:
        params["flowId"] = flow_id
    with ApiClient(server) as client:
        result = client.request("GET", "/triggers/search", params=params)
    if as_json:
        click.echo(dump_json(result))
        return
    table = Table()
    for column in ("flow", "trigger", "type", "next date", "last date", "disabled"):
        table.add_column(column)
    for item in result.get("results", []):
        context = item["triggerContext"]
        kind = (context.get("type") or "").rsplit(".", 1)[-1]
        table.add_row(
            f"{context['namespace']}.{context['flowId']}",
            context["triggerId"],
            kind,
            context.get("nextExecutionDate") or "",
            context.get("date") or "",
            "yes" if context.get("disabled") else "no",
        )
    Console().print(table)
    click.echo(f"{result.get('total', 0)} trigger(s)")


def _trigger_arguments(function: Any) -> Any:
    for argument in reversed(("namespace", "flow_id", "trigger_id")):
        function = click.argument(argument)(function)
    return function


@trigger_group.command("disable")
@_trigger_arguments
@server_option
@handle_errors()
def disable(namespace: str, flow_id: str, trigger_id: str, server: str) -> None:
    """Stop a trigger from firing until it is enabled again."""
    _set_disabled(server, namespace, flow_id, trigger_id, True)
    click.echo(f"Disabled trigger {trigger_id} of {namespace}.{flow_id}")


@trigger_group.command("enable")
@_trigger_arguments
@server_option
@handle_errors()
def enable(namespace: str, flow_id: str, trigger_id: str, server: str) -> None:
    """Let a disabled trigger fire again; missed slots follow recoverMissedSchedules."""
    context = _set_disabled(server, namespace, flow_id, trigger_id, False)
    next_date = context.get("nextExecutionDate") or "none"
    click.echo(f"Enabled trigger {trigger_id} of {namespace}.{flow_id}; next date {next_date}")


def _set_disabled(
    server: str, namespace: str, flow_id: str, trigger_id: str, disabled: bool
) -> dict[str, Any]:
    body = {
        "namespace": namespace,
        "flowId": flow_id,
        "triggerId": trigger_id,
        "disabled": disabled,
    }
    with ApiClient(server) as client:
        result: dict[str, Any] = client.request("PUT", "/triggers", json=body)
    return result


@trigger_group.command("backfill")
@_trigger_arguments
@click.option(
    "--start", required=True, help="First date of the window, ISO-8601 (2024-03-01T00:00:00Z)."
)
@click.option(
    "--end", help="Last date of the window, included; defaults to now. ISO-8601, like --start."
)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An input of the backfilled executions; repeatable.",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY=VALUE",
    help="A label of the backfilled executions; repeatable.",
)
@server_option
@handle_errors()
def backfill(
    namespace: str,
    flow_id: str,
    trigger_id: str,
    start: str,
    end: str | None,
    inputs: tuple[str, ...],
    labels: tuple[str, ...],
    server: str,
) -> None:
    """Run the slots of a past window again. A date without an offset is in the trigger's zone."""
    window: dict[str, Any] = {"start": start, "end": end}
    if inputs:
        window["inputs"] = parse_pairs(inputs, "--input")
    if labels:
        window["labels"] = parse_pairs(labels, "--label")
    body = {"namespace": namespace, "flowId": flow_id, "triggerId": trigger_id, "backfill": window}
    with ApiClient(server) as client:
        context = client.request("PUT", "/triggers", json=body)
    window_json = context.get("backfill") or {}
    click.echo(
        f"Backfill of trigger {trigger_id} of {namespace}.{flow_id} from "
        f"{window_json.get('start')} to {window_json.get('end')} started"
    )
