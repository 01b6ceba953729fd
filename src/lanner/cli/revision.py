"""`lanner flow revisions | diff`: a deployed flow's revisions, through a running instance's API.

These commands belong to the `flow` group; `lanner.cli.main` adds them there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click
from rich.console import Console
from rich.table import Table

from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json
from lanner.cli.errors import handle_errors


@click.command("revisions")
@click.argument("namespace")
@click.argument("flow_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON response.")
@server_option
@handle_errors()
def revisions_command(namespace: str, flow_id: str, as_json: bool, server: str) -> None:
    """List the revisions of flow ID in NAMESPACE, oldest first."""
    with ApiClient(server) as client:
        revisions: list[dict[str, Any]] = client.request(
            "GET", f"{_flow_path(namespace, flow_id)}/revisions", params={"allowDelete": "true"}
        )
    if as_json:
        click.echo(dump_json(revisions))
        return
    table = Table()
    for column in ("revision", "updated", "deleted"):
        table.add_column(column)
    for revision in revisions:
        table.add_row(
            str(revision["revision"]),
            revision.get("updated") or "",
            "deleted" if revision.get("deleted") else "",
        )
    Console().print(table)
    click.echo(f"{len(revisions)} revision(s)")


@click.command("diff")
@click.argument("namespace")
@click.argument("flow_id", metavar="ID")
@click.argument("from_revision", metavar="FROM", type=click.IntRange(min=1))
@click.argument("to_revision", metavar="[TO]", type=click.IntRange(min=1), required=False)
@server_option
@handle_errors()
def diff_command(
    namespace: str, flow_id: str, from_revision: int, to_revision: int | None, server: str
) -> None:
    """Print a unified diff of flow ID's source from revision FROM to TO (the latest if omitted).

    Prints nothing when the two sources are equal.
    """
    params = {"from": from_revision}
    if to_revision is not None:
        params["to"] = to_revision
    with ApiClient(server) as client:
        result = client.request(
            "GET", f"{_flow_path(namespace, flow_id)}/revisions/diff", params=params
        )
    click.echo(result["diff"], nl=False)


def _flow_path(namespace: str, flow_id: str) -> str:
    return f"/flows/{quote(namespace, safe='')}/{quote(flow_id, safe='')}"
