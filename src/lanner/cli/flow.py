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

from lanner.backend.jobs import ANY_GROUP
from lanner.backend.logs import LogEntry
from lanner.cli.arguments import parse_pairs, read_input_files
from lanner.cli.client import ApiClient, server_option
from lanner.cli.display import dump_json, log_line, print_summary, task_run_table
from lanner.cli.errors import (
    EXIT_INTERRUPTED,
    EXIT_NOT_RUN,
    CommandFailed,
    explain_connection_failure,
    handle_errors,
)
from lanner.cli.run_inputs import drop_undeclared, with_cli_file_hints
from lanner.errors import InvalidInputs, LannerError, Problem
from lanner.executions.model import Execution
from lanner.executions.service import is_finished
from lanner.executions.views import execution_json
from lanner.executor.subflows import CHILD_LOGS_HINT
from lanner.flows.inputs import UploadedFile
from lanner.flows.parser import ParsedDocument, parse_documents, parse_paths
from lanner.instance import Instance
from lanner.settings import load_settings
from lanner.states import State

# Error lines of subflow executions `flow run` prints at most, after a failed run.
MAX_SUBFLOW_ERRORS = 20


@click.group("flow")
def flow_group() -> None:
    """Validate, run and deploy flows."""


@flow_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors(exit_code=1)
def validate(paths: tuple[Path, ...]) -> None:
    """Check flow files, or every *.yml and *.yaml file below folders.

    Prints every problem as FILE:LINE:COLUMN and every path that does not exist. Exits with 0
    when all flows are valid and every path exists, 1 otherwise.
    """
    valid = invalid = found = 0
    missing = []
    for path in paths:
        if not path.exists():
            missing.append(path)
            click.echo(f"✗ {path}: no such file or folder")
            continue

        for document in parse_paths([path]):
            found += 1
            if _show_validation(document):
                valid += 1
            else:
                invalid += 1

    if not found and not missing:
        raise CommandFailed("no *.yml or *.yaml file found in " + ", ".join(map(str, paths)), 1)

    summary = f"{valid} valid, {invalid} invalid"
    if missing:
        summary += f", {len(missing)} not found"
    click.echo(summary)
    if invalid or missing:
        sys.exit(1)


def _show_validation(document: ParsedDocument) -> bool:
    """Print one document's result line and its problems, and return whether it is valid."""
    name = _document_name(document)
    if document.valid:
        click.echo(f"✓ {name} ({document.source})")
        return True

    click.echo(f"✗ {name} ({document.source}): {len(document.problems)} problem(s)")
    for problem in document.problems:
        click.echo(f"  {problem.format(document.source)}")
    return False


def _document_name(document: ParsedDocument) -> str:
    if document.namespace and document.flow_id:
        return f"{document.namespace}.{document.flow_id}"
    return document.flow_id or "<unnamed flow>"


def _show_problems(document: ParsedDocument) -> None:
    click.echo(f"✗ {_document_name(document)} is invalid:", err=True)
    for problem in document.problems:
        click.echo(f"  {problem.format(document.source)}", err=True)


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
    "--storage",
    metavar="URL",
    help="Internal storage to use (and its namespace files), instead of a temporary folder.",
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
    storage: str | None,
    timeout: float | None,
    flows_dirs: tuple[Path, ...],
) -> None:
    """Run the first flow of FILE once, in an embedded instance; no server needed.

    The other flows of FILE, and those of every --flows folder, are deployed beside it.
    LANNER_DATABASE_URL and LANNER_STORAGE_URL apply as for a server, so a run can read the
    namespace files a server stored; --database and --storage win over them. Exit
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
            _show_problems(document)
        sys.exit(EXIT_NOT_RUN)
    supplied = parse_pairs(inputs, "--input")
    files = read_input_files(input_files)
    code = asyncio.run(_run(documents, supplied, files, as_json, database, storage, timeout))
    sys.exit(code)


async def _run(
    documents: list[ParsedDocument],
    supplied: dict[str, str],
    files: dict[str, UploadedFile],
    as_json: bool,
    database: str | None,
    storage: str | None,
    timeout: float | None,
) -> int:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="lanner-run-") as directory:
        settings = load_settings(
            data_dir=Path(directory),
            database_url=database,
            # None keeps LANNER_STORAGE_URL, or else a folder of the temporary data directory.
            storage_url=storage,
        )
        # The only worker runs the tasks of every worker group, so none of them waits forever.
        settings.worker.group = ANY_GROUP
        instance = Instance(settings)
        try:
            with explain_connection_failure(instance.backend.db, EXIT_NOT_RUN):
                await instance.start(executor=True, worker=True)
            for document in documents:
                assert document.flow is not None
                await instance.flows.deploy(
                    document.flow, document.document_source or document.text
                )
            target = documents[0].flow
            assert target is not None
            supplied, files = drop_undeclared(target, supplied, files)
            try:
                execution = await instance.executions.create(
                    target.namespace, target.id, supplied, files
                )
            except InvalidInputs as error:
                click.echo(f"Error: {with_cli_file_hints(error, target, supplied)}", err=True)
                return EXIT_NOT_RUN
            interrupted = await _follow(instance, execution.id, console, as_json, timeout)
            final = await instance.executions.get(execution.id)
            if as_json:
                click.echo(dump_json(execution_json(final)))
            else:
                logs = await instance.executions.logs(execution.id)
                print_summary(console, final, logs)
                if final.state not in (State.SUCCESS, State.WARNING):
                    await _print_subflow_errors(instance, console, execution.id)
        finally:
            await instance.stop()
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if final.state in (State.SUCCESS, State.WARNING) else 1


async def _print_subflow_errors(instance: Instance, console: Console, root_id: str) -> None:
    """Print the errors logged by the subflow executions below a run.

    The parent's logs point at these errors, and the temporary database that contains them is
    deleted when the command ends.
    """
    backend = instance.backend
    pending = [root_id]
    lines: list[tuple[Execution, LogEntry]] = []
    while pending and len(lines) < MAX_SUBFLOW_ERRORS:
        async with backend.db.transaction(write=False) as connection:
            children = await backend.executions.children(connection, pending.pop(0))
        pending += children
        for child_id in children:
            child = await instance.executions.get(child_id)
            logs = await instance.executions.logs(child_id)
            # A line that only points at a deeper child repeats what the deeper line reports.
            lines += [
                (child, entry)
                for entry in logs
                if entry.level == "ERROR" and not entry.message.endswith(CHILD_LOGS_HINT)
            ]
    if not lines:
        return
    console.print("Errors of subflow executions:")
    for child, entry in lines[:MAX_SUBFLOW_ERRORS]:
        console.print(
            f"{child.namespace}.{child.flow_id} {child.id}: ", log_line(entry), highlight=False
        )


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
    """Deploy flow files (or every *.yml / *.yaml below folders) to a running instance.

    Checks every flow first, and deploys nothing when a path does not exist or any flow is
    invalid. A flow that the server rejects stops the deployment, and the flows deployed
    before it stay deployed.
    """
    missing = [path for path in paths if not path.exists()]
    documents = parse_paths([path for path in paths if path.exists()])
    if not documents and not missing:
        raise CommandFailed("no *.yml or *.yaml file found in " + ", ".join(map(str, paths)), 1)

    for path in missing:
        click.echo(f"✗ {path}: no such file or folder", err=True)
    invalid = [document for document in documents if not document.valid]
    for document in invalid:
        _show_problems(document)
    if missing or invalid:
        raise CommandFailed(_nothing_deployed(len(missing), len(invalid), len(documents)), 1)

    with ApiClient(server) as client:
        for document in documents:
            flow = document.flow
            assert flow is not None
            result = client.deploy_flow(document.document_source or document.text)
            click.echo(f"✓ {flow.namespace}.{flow.id} revision {result.get('revision')}")


def _nothing_deployed(missing: int, invalid: int, total: int) -> str:
    reasons = []
    if missing:
        reasons.append("1 path does not exist" if missing == 1 else f"{missing} paths do not exist")
    if invalid:
        verb = "is" if invalid == 1 else "are"
        reasons.append(f"{invalid} of {total} flows {verb} invalid")
    return (
        f"nothing was deployed, because {' and '.join(reasons)}. "
        "Fix the problems above and deploy again."
    )


__all__ = ["Execution", "LannerError", "Problem", "flow_group"]
