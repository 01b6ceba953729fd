"""`lanner namespace files upload | list | download | delete`, through a running instance's API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import click
from rich.console import Console
from rich.table import Table

from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json
from lanner.cli.errors import CommandFailed, handle_errors


class NamespaceFilesClient(ApiClient):
    """The API client, with the calls of the namespace file routes."""

    def __enter__(self) -> NamespaceFilesClient:
        return self

    def list_folder(
        self, namespace: str, path: str, recursive: bool = False
    ) -> list[dict[str, Any]]:
        params = {"path": path, "recursive": str(recursive).lower()}
        entries: list[dict[str, Any]] = self.request(
            "GET", f"{_files(namespace)}/directory", params=params
        )
        return entries

    def stats(self, namespace: str, path: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.request(
            "GET", f"{_files(namespace)}/stats", params={"path": path}
        )
        return entry

    def read_file(self, namespace: str, path: str) -> bytes:
        response = self._send("GET", _files(namespace), params={"path": path})
        if response.status_code >= 400:
            # request() raises CommandFailed with the message of the JSON error response.
            self.request("GET", _files(namespace), params={"path": path})
        return response.content

    def write_file(self, namespace: str, path: str, data: bytes) -> None:
        name = PurePosixPath(path).name or "file"
        self.request(
            "POST", _files(namespace), params={"path": path}, files={"fileContent": (name, data)}
        )

    def delete_path(self, namespace: str, path: str) -> None:
        self.request("DELETE", _files(namespace), params={"path": path})


@click.group("namespace")
def namespace_group() -> None:
    """Manage namespaces of a running instance."""


@namespace_group.group("files")
def files_group() -> None:
    """Upload, list, download and delete namespace files."""


@files_group.command("upload")
@click.argument("namespace")
@click.argument("local_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--to",
    "destination",
    default="/",
    show_default=True,
    help="Namespace folder the files go to.",
)
@click.option(
    "--delete",
    "delete_absent",
    is_flag=True,
    help="Also delete the namespace files below --to that LOCAL_DIR does not have.",
)
@server_option
@handle_errors()
def upload(
    namespace: str, local_dir: Path, destination: str, delete_absent: bool, server: str
) -> None:
    """Upload every file of LOCAL_DIR, keeping its folders, as namespace files."""
    folder = "/" + destination.strip("/")
    local = dict(_local_files(local_dir))
    with NamespaceFilesClient(server) as client:
        for relative, path in local.items():
            client.write_file(namespace, _join(folder, relative), path.read_bytes())
        deleted = 0
        if delete_absent:
            for remote in _remote_files(client, namespace, folder):
                relative = remote[len(folder) :].lstrip("/")
                if relative not in local:
                    client.delete_path(namespace, remote)
                    deleted += 1
    message = f"Uploaded {len(local)} file(s) to {namespace}:{folder}"
    if delete_absent:
        message += f", deleted {deleted} file(s) absent from {local_dir}"
    click.echo(message)


@files_group.command("list")
@click.argument("namespace")
@click.argument("path", default="/")
@click.option("--recursive", "-r", is_flag=True, help="List everything below PATH.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON response of the API.")
@server_option
@handle_errors()
def list_files(namespace: str, path: str, recursive: bool, as_json: bool, server: str) -> None:
    """List the files and folders in a namespace folder (the root by default)."""
    with NamespaceFilesClient(server) as client:
        entries = client.list_folder(namespace, path, recursive)
    if as_json:
        click.echo(dump_json(entries))
        return
    table = Table()
    for column in ("type", "size", "updated", "path"):
        table.add_column(column)
    for entry in entries:
        is_file = entry["type"] == "File"
        table.add_row(
            entry["type"],
            str(entry["size"]) if is_file else "",
            _timestamp(entry["lastModifiedTime"]) if is_file else "",
            entry["path"],
        )
    Console(soft_wrap=True).print(table)


@files_group.command("download")
@click.argument("namespace")
@click.argument("path")
@click.argument("local", required=False, type=click.Path(path_type=Path))
@server_option
@handle_errors()
def download(namespace: str, path: str, local: Path | None, server: str) -> None:
    """Download the file or folder PATH to LOCAL (by default its name in this folder)."""
    with NamespaceFilesClient(server) as client:
        entry = client.stats(namespace, path)
        name = entry["fileName"] or namespace
        if entry["type"] == "File":
            target = local or Path(name)
            if target.is_dir():
                target = target / name
            _write(target, client.read_file(namespace, entry["path"]))
            click.echo(f"Downloaded {entry['path']} to {target}")
            return
        root = local or Path(name)
        count = 0
        for remote in _remote_files(client, namespace, entry["path"]):
            relative = remote[len(entry["path"]) :].lstrip("/")
            _write(_inside(root, relative), client.read_file(namespace, remote))
            count += 1
    click.echo(f"Downloaded {count} file(s) from {entry['path']} to {root}")


@files_group.command("delete")
@click.argument("namespace")
@click.argument("path")
@server_option
@handle_errors()
def delete(namespace: str, path: str, server: str) -> None:
    """Delete the file or folder PATH, with everything in it."""
    with NamespaceFilesClient(server) as client:
        client.delete_path(namespace, path)
    click.echo(f"Deleted {path} from {namespace}")


def _files(namespace: str) -> str:
    return f"/namespaces/{quote(namespace, safe='')}/files"


def _local_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield (path relative to root with `/` separators, path) of every file below root.

    Links to folders are followed, as links to files are. So `--delete` never removes the
    files behind a linked folder. A folder reached twice through links is read once.
    """
    seen: set[Path] = set()
    for directory, folders, names in os.walk(root, followlinks=True):
        real = Path(directory).resolve()
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        folders.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file():
                yield path.relative_to(root).as_posix(), path


def _remote_files(client: NamespaceFilesClient, namespace: str, folder: str) -> list[str]:
    """List the paths of every namespace file below a folder; none when it does not exist."""
    try:
        entries = client.list_folder(namespace, folder, recursive=True)
    except CommandFailed as error:
        if "HTTP 404" in str(error):
            return []
        raise
    return [entry["path"] for entry in entries if entry["type"] == "File"]


def _join(folder: str, relative: str) -> str:
    return f"{folder.rstrip('/')}/{relative}"


def _inside(root: Path, relative: str) -> Path:
    """Return root/relative, refusing any path that would leave root."""
    target = root.joinpath(*relative.split("/"))
    if not target.resolve().is_relative_to(root.resolve()):
        raise CommandFailed(f"refusing to write {relative!r} outside {root}")
    return target


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _timestamp(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
