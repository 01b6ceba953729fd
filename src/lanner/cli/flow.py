"""`lanner flow validate | run | deploy`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live

from lanner.cli.arguments import parse_pairs, read_input_files
from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json, print_summary, task_run_table
from lanner.cli.errors import EXIT_INTERRUPTED, EXIT_NOT_RUN, CommandFailed, handle_errors
from lanner.errors import InvalidInputs, LannerError, Problem
from lanner.executions.model import Execution
from lanner.executions.service import is_finished
from lanner.executions.views import execution_json
from lanner.flows.inputs import UploadedFile
from lanner.flows.parser import ParsedDocument, parse_documents, parse_paths
from lanner.instance import Instance
from lanner.settings import load_settings
from lanner.states import State


@click.group("flow")
def flow_group() -> None:
    """Validate, run and deploy flows."""


@flow_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors(exit_code=1)
def validate(paths: tuple[Path, ...]) -> None:
    """Check flow files, or every *.yml and *.yaml file below folders.

    Prints every problem as FILE:LINE:COLUMN; exits with 0 when all flows are valid, 1 otherwise.
    """
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise CommandFailed(
            "no such file or folder: " + ", ".join(str(path) for path in missing), 1
        )
    documents = parse_paths(list(paths))
    if not documents:
        raise CommandFailed("no *.yml or *.yaml file found in " + ", ".join(map(str, paths)), 1)
    invalid = 0
    for document in documents:
        name = _document_name(document)
        if document.valid:
            click.echo(f"✓ {name} ({document.source})")
            continue
        invalid += 1
        click.echo(f"✗ {name} ({document.source}): {len(document.problems)} problem(s)")
        for problem in document.problems:
            click.echo(f"  {problem.format(document.source)}")
    valid = len(documents) - invalid
    click.echo(f"{valid} valid, {invalid} invalid")
    if invalid:
        sys.exit(1)


def _document_name(document: ParsedDocument) -> str:
    if document.namespace and document.flow_id:
        return f"{document.namespace}.{document.flow_id}"
    return document.flow_id or "<unnamed flow>"


@flow_group.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value of an input; repeat for several inputs.",
)
@click.option(
    "--input-file",
    "input_files",
    multiple=True,
    metavar="NAME=PATH",
    help="File for a FILE input; repeat for several files.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only the final execution as JSON, with Kestra's field names.",
)
@click.option(
    "--database", metavar="URL", help="Database to run in, instead of a temporary SQLite file."
)
@click.option(
    "--timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Kill the execution if it has not ended after this many seconds.",
)
@click.option(
    "--flows",
    "flows_dirs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Deploy the flows of this file or folder too (the subflows the run calls); repeatable.",
)
@handle_errors(exit_code=EXIT_NOT_RUN)
def run(
    file: Path,
    inputs: tuple[str, ...],
    input_files: tuple[str, ...],
    as_json: bool,
    database: str | None,
    timeout: float | None,
    flows_dirs: tuple[Path, ...],
) -> None:
    """Run the first flow of FILE once, in an embedded instance; no server needed.

    The other flows of FILE, and those of every --flows folder, are deployed beside it. Exit
    code: 0 for SUCCESS or WARNING, 1 for any other end state, 2 when nothing was run, 130
    after Ctrl-C (the execution is killed).
    """
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandFailed(f"cannot read {str(file)!r}: {error.strerror}", EXIT_NOT_RUN) from error
    documents = parse_documents(text, str(file))
    if flows_dirs:
        documents += parse_paths(list(flows_dirs))
    invalid = [document for document in documents if not document.valid]
    if invalid:
        for document in invalid:
            click.echo(f"✗ {_document_name(document)} is invalid:", err=True)
            for problem in document.problems:
                click.echo(f"  {problem.format(document.source)}", err=True)
        sys.exit(EXIT_NOT_RUN)
    supplied = parse_pairs(inputs, "--input")
    files = read_input_files(input_files)
    code = asyncio.run(_run(documents, supplied, files, as_json, database, timeout))
    sys.exit(code)


async def _run(
    documents: list[ParsedDocument],
    supplied: dict[str, str],
    files: dict[str, UploadedFile],
    as_json: bool,
    database: str | None,
    timeout: float | None,
) -> int:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="lanner-run-") as directory:
        settings = load_settings(
            data_dir=Path(directory),
            database_url=database,
            storage_url=f"file://{directory}/storage",
        )
        instance = Instance(settings)
        try:
            await instance.start(executor=True, worker=True)
            for document in documents:
                assert document.flow is not None
                await instance.flows.deploy(
                    document.flow, document.document_source or document.text
                )
            target = documents[0].flow
            assert target is not None
            try:
                execution = await instance.executions.create(
                    target.namespace, target.id, supplied, files
                )
            except InvalidInputs as error:
                click.echo(f"Error: {error}", err=True)
                return EXIT_NOT_RUN
            interrupted = await _follow(instance, execution.id, console, as_json, timeout)
            final = await instance.executions.get(execution.id)
            if as_json:
                click.echo(dump_json(execution_json(final)))
            else:
                logs = await instance.executions.logs(execution.id)
                print_summary(console, final, logs)
        finally:
            await instance.stop()
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if final.state in (State.SUCCESS, State.WARNING) else 1


async def _follow(
    instance: Instance,
    execution_id: str,
    console: Console,
    as_json: bool,
    timeout: float | None,
) -> bool:
    """Show the execution until it ends; return True when Ctrl-C killed it."""
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
    live = None
    if console.is_terminal and not as_json:
        live = Live(console=console, refresh_per_second=8, transient=True)
        live.start()
    deadline = None if timeout is None else loop.time() + timeout
    killed = False
    try:
        while True:
            execution = await instance.executions.get(execution_id)
            if live is not None:
                live.update(task_run_table(execution))
            if is_finished(execution):
                break
            if not killed and (interrupted.is_set() or _expired(loop.time(), deadline)):
                killed = True
                # Notices go to standard error so that --json output stays parseable.
                if interrupted.is_set():
                    click.echo("Interrupted: killing the execution…", err=True)
                else:
                    click.echo(f"Timed out after {timeout} s: killing the execution…", err=True)
                await instance.executions.kill(execution_id)
            await _pause(instance, interrupted)
    finally:
        if live is not None:
            live.stop()
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)
    return interrupted.is_set()


def _expired(now: float, deadline: float | None) -> bool:
    return deadline is not None and now >= deadline


async def _pause(instance: Instance, interrupted: asyncio.Event) -> None:
    wake = instance.backend.notifier.watch("execution")
    waiters = [
        asyncio.ensure_future(instance.backend.notifier.wait(wake, 0.25)),
        asyncio.ensure_future(interrupted.wait()),
    ]
    _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        waiter.cancel()


@flow_group.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@server_option
@handle_errors(exit_code=1)
def deploy(paths: tuple[Path, ...], server: str) -> None:
    """Deploy flow files (or every *.yml / *.yaml below folders) to a running instance."""
    documents = parse_paths(list(paths))
    invalid = [document for document in documents if not document.valid]
    if invalid:
        for document in invalid:
            click.echo(f"✗ {_document_name(document)} is invalid:", err=True)
            for problem in document.problems:
                click.echo(f"  {problem.format(document.source)}", err=True)
        sys.exit(1)
    with ApiClient(server) as client:
        for document in documents:
            flow = document.flow
            assert flow is not None
            result = client.deploy_flow(document.document_source or document.text)
            click.echo(f"✓ {flow.namespace}.{flow.id} revision {result.get('revision')}")


__all__ = ["Execution", "LannerError", "Problem", "flow_group"]
