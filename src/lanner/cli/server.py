"""`lanner server local | standalone | executor | worker | scheduler | webserver`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from lanner.backend.jobs import ANY_GROUP
from lanner.cli.errors import explain_connection_failure, handle_errors
from lanner.errors import ConfigurationError, InvalidFlow
from lanner.flows.parser import parse_paths
from lanner.instance import Instance
from lanner.settings import Settings, load_settings

logger = logging.getLogger(__name__)


F = TypeVar("F", bound=Callable[..., Any])


def _common(function: F) -> F:
    """Add the options every server command takes: database, storage and data directory."""
    options = [
        click.option(
            "--database",
            metavar="URL",
            help="Database URL (default: SQLite under the data directory).",
        ),
        click.option(
            "--storage",
            metavar="URL",
            help="Internal storage URL (default: files under the data directory).",
        ),
        click.option(
            "--data-dir",
            type=click.Path(path_type=Path),
            help="Data directory (default: ./.lanner).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _settings(
    database: str | None, storage: str | None, data_dir: Path | None, **overrides: object
) -> Settings:
    return load_settings(database_url=database, storage_url=storage, data_dir=data_dir, **overrides)


@click.group("server")
def server_group() -> None:
    """Run Lanner's components."""


@server_group.command("local")
@_common
@click.option("--host", help="Address the web server listens on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port the web server listens on (default 8080).")
@click.option(
    "--flows",
    "flows_dir",
    type=click.Path(path_type=Path, exists=True),
    help="Deploy the flows of this folder at start-up.",
)
@handle_errors()
def local(
    database: str | None,
    storage: str | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    flows_dir: Path | None,
) -> None:
    """Run every component in one process, on SQLite by default.

    The only worker runs the tasks of every worker group, as `lanner flow run` does.
    """
    settings = _settings(database, storage, data_dir, host=host, port=port)
    settings.worker.group = ANY_GROUP
    asyncio.run(
        _serve(settings, executor=True, worker=True, scheduler=True, web=True, flows_dir=flows_dir)
    )


@server_group.command("standalone")
@_common
@click.option("--host", help="Address the web server listens on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port the web server listens on (default 8080).")
@click.option(
    "--flows",
    "flows_dir",
    type=click.Path(path_type=Path, exists=True),
    help="Deploy the flows of this folder at start-up.",
)
@click.option(
    "--worker-threads", type=click.IntRange(min=1), help="Task runs the worker runs at once."
)
@handle_errors()
def standalone(
    database: str | None,
    storage: str | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    flows_dir: Path | None,
    worker_threads: int | None,
) -> None:
    """Run every component in one process, on any database."""
    overrides: dict[str, object] = {"host": host, "port": port}
    settings = _settings(database, storage, data_dir, **overrides)
    if worker_threads is not None:
        settings.worker.threads = worker_threads
    asyncio.run(
        _serve(settings, executor=True, worker=True, scheduler=True, web=True, flows_dir=flows_dir)
    )


@server_group.command("executor")
@_common
@handle_errors()
def executor(database: str | None, storage: str | None, data_dir: Path | None) -> None:
    """Run an executor."""
    asyncio.run(_serve(_settings(database, storage, data_dir), executor=True))


@server_group.command("worker")
@_common
@click.option("--threads", type=click.IntRange(min=1), help="Task runs this worker runs at once.")
@click.option("--group", help="Worker group: only tasks with this workerGroup.key run here.")
@handle_errors()
def worker(
    database: str | None,
    storage: str | None,
    data_dir: Path | None,
    threads: int | None,
    group: str | None,
) -> None:
    """Run a worker."""
    settings = _settings(database, storage, data_dir)
    if threads is not None:
        settings.worker.threads = threads
    if group:
        settings.worker.group = group
    asyncio.run(_serve(settings, worker=True))


@server_group.command("scheduler")
@_common
@handle_errors()
def scheduler(database: str | None, storage: str | None, data_dir: Path | None) -> None:
    """Run a scheduler: fires Schedule and ScheduleOnDates triggers."""
    asyncio.run(_serve(_settings(database, storage, data_dir), scheduler=True))


@server_group.command("webserver")
@_common
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@handle_errors()
def webserver(
    database: str | None,
    storage: str | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
) -> None:
    """Run the REST API."""
    asyncio.run(_serve(_settings(database, storage, data_dir, host=host, port=port), web=True))


async def _serve(
    settings: Settings,
    *,
    executor: bool = False,
    worker: bool = False,
    scheduler: bool = False,
    web: bool = False,
    flows_dir: Path | None = None,
) -> None:
    # Take the port before starting anything, so a port in use fails at once and clearly.
    listener = _listen(settings.host, settings.port) if web else None
    instance = Instance(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, instance.stopping.set)
    try:
        with explain_connection_failure(instance.backend.db):
            await instance.start(
                executor=executor, worker=worker, scheduler=scheduler, webserver=web
            )
        if flows_dir is not None:
            await _deploy_folder(instance, flows_dir)
        if listener is not None:
            await _run_web(instance, listener)
        else:
            await instance.stopping.wait()
    finally:
        if listener is not None:
            listener.close()
        await instance.stop()


async def _deploy_folder(instance: Instance, folder: Path) -> None:
    for document in parse_paths([folder]):
        if not document.valid or document.flow is None:
            click.echo(
                str(
                    InvalidFlow(
                        problems=document.problems, source=document.source, flow_id=document.flow_id
                    )
                ),
                err=True,
            )
            continue
        result = await instance.flows.deploy(
            document.flow, document.document_source or document.text
        )
        logger.info("Deployed %s.%s revision %d", result.namespace, result.id, result.revision)


def _listen(host: str, port: int) -> socket.socket:
    """Open the web server's listening socket; raise ConfigurationError when that fails."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        listener = socket.socket(family, kind, protocol)
    except OSError as error:
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {error}; check the --host value"
        ) from error
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        listener.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; stop the program "
            "using that port or choose another with --port"
        ) from error
    return listener


async def _run_web(instance: Instance, listener: socket.socket) -> None:
    import uvicorn

    from lanner.api.app import create_app

    config = uvicorn.Config(create_app(instance), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    # Uvicorn (0.29 and later) takes SIGINT and SIGTERM while it serves, which would hide them
    # from the instance: keep ours, since stopping the instance stops the server.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    host, port = listener.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    click.echo(
        f"Lanner is running on http://{url_host}:{port} "
        f"(database {instance.backend.db.redacted_url()})"
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    stopping = asyncio.create_task(instance.stopping.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()
