"""`lanner kv list | get | set | delete`: KV pairs, through a running instance's API."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import click
from rich.console import Console
from rich.table import Table

from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json
from lanner.cli.errors import CommandFailed, handle_errors
from lanner.kv import KvType
from lanner.kv.errors import InvalidKvKey
from lanner.kv.store import check_key

KV_TYPES = [kv_type.value for kv_type in KvType]


@click.group("kv")
def kv_group() -> None:
    """List, read, write and delete the KV pairs of a namespace."""


@kv_group.command("list")
@click.argument("namespace")
@click.option("--prefix", help="Only keys starting with this text.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON response.")
@server_option
@handle_errors()
def list_keys(namespace: str, prefix: str | None, as_json: bool, server: str) -> None:
    """List the keys of NAMESPACE with their dates, ordered by key."""
    params = {"prefix": prefix} if prefix else None
    with ApiClient(server) as client:
        entries = client.request("GET", _path(namespace), params=params)
    if as_json:
        click.echo(dump_json(entries))
        return
    table = Table()
    for column in ("key", "updated", "expires", "description"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            entry["key"],
            entry.get("updateDate") or "",
            entry.get("expirationDate") or "",
            entry.get("description") or "",
        )
    Console().print(table)
    click.echo(f"{len(entries)} key(s)")


@kv_group.command("get")
@click.argument("namespace")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help='Print {"type": ..., "value": ...}.')
@server_option
@handle_errors()
def get_value(namespace: str, key: str, as_json: bool, server: str) -> None:
    """Print the value of KEY: text as it is, other types as JSON."""
    with ApiClient(server) as client:
        result = client.request("GET", _path(namespace, key))
    if as_json:
        click.echo(dump_json(result))
        return
    value = result.get("value")
    click.echo(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


@kv_group.command("set")
@click.argument("namespace")
@click.argument("key")
@click.argument("value", required=False)
@click.option(
    "--type",
    "kv_type",
    type=click.Choice(KV_TYPES, case_sensitive=False),
    help="Store VALUE as this type. Without it, JSON keeps its type, unquoted ISO-8601 dates, "
    "datetimes and durations are dates, datetimes and durations, and other text is a string.",
)
@click.option("--ttl", help="Time to live, an ISO-8601 duration such as PT1H or P7D.")
@click.option("--description", help="A description of the pair.")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the value from this file instead of VALUE.",
)
@server_option
@handle_errors()
def set_value(
    namespace: str,
    key: str,
    value: str | None,
    kv_type: str | None,
    ttl: str | None,
    description: str | None,
    file: Path | None,
    server: str,
) -> None:
    """Store VALUE under KEY in NAMESPACE, replacing any value it had."""
    text = _value_text(value, file)
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if kv_type:
        headers["type"] = kv_type.upper()
    if ttl:
        headers["ttl"] = ttl
    if description:
        headers["description"] = description
    with ApiClient(server) as client:
        entry = client.request("PUT", _path(namespace, key), content=text.encode(), headers=headers)
    expires = entry.get("expirationDate")
    suffix = f", expires {expires}" if expires else ""
    click.echo(f"Stored {namespace} {key}{suffix}")


@kv_group.command("delete")
@click.argument("namespace")
@click.argument("key")
@server_option
@handle_errors()
def delete_key(namespace: str, key: str, server: str) -> None:
    """Delete KEY from NAMESPACE."""
    with ApiClient(server) as client:
        deleted = client.request("DELETE", _path(namespace, key))
    if deleted:
        click.echo(f"Deleted {namespace} {key}")
    else:
        click.echo(f"No value was stored under {namespace} {key}")


def _value_text(value: str | None, file: Path | None) -> str:
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandFailed(f"cannot read the value from {file}: {error}") from error
    if value is None:
        raise CommandFailed("give the value as the third argument, or pass --file")
    return value


def _path(namespace: str, key: str | None = None) -> str:
    path = f"/namespaces/{quote(namespace, safe='')}/kv"
    if key is None:
        return path
    # Checked here, because a key with a `/` would reach no API route and get a vaguer error.
    try:
        check_key(key)
    except InvalidKvKey as error:
        raise CommandFailed(str(error)) from None
    return f"{path}/{quote(key, safe='')}"
