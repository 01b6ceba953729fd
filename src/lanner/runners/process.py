"""The Process task runner: commands run as local processes on the worker's host."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from lanner.errors import TaskFailure
from lanner.runners.base import LineHandler, OutputStream, Runner, RunnerCommand
from lanner.runners.lines import pump_lines
from lanner.runners.process_group import stop_group

logger = logging.getLogger(__name__)

# Seconds a stopped command gets between SIGTERM and SIGKILL.
DEFAULT_GRACE_PERIOD = 5.0
# Seconds to finish reading output once the command's processes are gone. Only a process that
# left the group (with setsid) can keep the output open longer.
_DRAIN_SECONDS = 10.0
# Maximum wait, in seconds, between two checks for the end of a process.
_EXIT_POLL_SECONDS = 0.1
# Worker variables that a command must not see: Lanner's settings (database URL, encryption
# key) and the instance's secrets.
PRIVATE_PREFIXES = ("LANNER_", "SECRET_")


class ProcessRunner(Runner):
    """Lanner's default task runner: the command runs as a process on the worker's host.

    Kestra 1.x runs script tasks in Docker unless `taskRunner` selects another runner. Lanner
    runs them here by default, so that flows run on workers without a Docker engine. The process
    starts in its own process group with the worker's environment, minus Lanner's settings and
    the secrets, plus the task's variables. When the task run is cancelled (killed, timed out or
    stopped with the worker), the whole group gets SIGTERM, then SIGKILL after the grace
    period. Processes still in the group when the command ends are stopped the same way, so no
    process outlives its task run, except one that leaves the group on purpose with `setsid`.
    """

    local = True

    def __init__(self, grace_period: float = DEFAULT_GRACE_PERIOD) -> None:
        self.grace_period = grace_period

    async def run(self, command: RunnerCommand, on_line: LineHandler) -> int:
        env = {**inherited_environment(), **command.env}
        if command.python_path:
            folders = [str(folder) for folder in command.python_path]
            if env.get("PYTHONPATH"):
                folders.append(env["PYTHONPATH"])
            env["PYTHONPATH"] = os.pathsep.join(folders)
        return await run_process(command.argv, command.working_dir, env, on_line, self.grace_period)


def inherited_environment() -> dict[str, str]:
    """Return the worker's environment variables that commands may see."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(PRIVATE_PREFIXES)
    }


async def run_process(
    argv: list[str],
    working_dir: Path,
    env: dict[str, str],
    on_line: LineHandler,
    grace_period: float,
    before_stop: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Run a program in a new process group, streaming its lines; return its exit code.

    On cancellation, `before_stop` runs first (the Docker runner stops its container there),
    then the process group is stopped, and the cancellation propagates.
    """
    process = await _start(argv, working_dir, env)
    assert process.stdout is not None and process.stderr is not None
    group_id = process.pid  # the leader of a new session leads its process group
    logger.debug("Started process %d: %s", process.pid, argv[0])
    readers = [
        asyncio.create_task(pump_lines(process.stdout, OutputStream.STDOUT, on_line)),
        asyncio.create_task(pump_lines(process.stderr, OutputStream.STDERR, on_line)),
    ]
    try:
        exit_code = await _exited(process)
        # Background processes the command left behind end with it.
        await stop_group(group_id, grace_period)
        await _drain(readers)
    except BaseException:
        # Shielded, so that a second cancellation cannot leave processes running.
        await asyncio.shield(_stop(group_id, grace_period, readers, before_stop))
        raise
    logger.debug("Process %d exited with code %d", process.pid, exit_code)
    # A process killed by signal N reports -N; shells report 128 + N, the code users know.
    return 128 - exit_code if exit_code < 0 else exit_code


async def _exited(process: asyncio.subprocess.Process) -> int:
    """Wait for the process to exit, even while processes it left keep its output open.

    `Process.wait()` of Python 3.11 also waits for the output pipes to close, which a
    background job holding them would delay until it ends. The exit code is set as soon as
    the process is reaped, so it is polled instead, more slowly as time passes.
    """
    delay = 0.005
    while process.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, _EXIT_POLL_SECONDS)
    return process.returncode


async def _start(
    argv: list[str], working_dir: Path, env: dict[str, str]
) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            cwd=working_dir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise TaskFailure(
            f"cannot start {argv[0]!r}: {error.strerror or error}; check that it is installed "
            "on the worker and on its PATH, or set the task's `interpreter`"
        ) from error


async def _stop(
    group_id: int,
    grace_period: float,
    readers: list[asyncio.Task[None]],
    before_stop: Callable[[], Awaitable[None]] | None,
) -> None:
    if before_stop is not None:
        try:
            await before_stop()
        except Exception:
            logger.exception("Stopping the container of process group %d failed", group_id)
    await stop_group(group_id, grace_period)
    await _drain(readers, raise_errors=False)


async def _drain(readers: list[asyncio.Task[None]], raise_errors: bool = True) -> None:
    """Wait for the output readers; give up on output that a process outside the group holds."""
    _, pending = await asyncio.wait(readers, timeout=_DRAIN_SECONDS)
    if pending:
        logger.warning(
            "Output of a task's command is still open after its processes ended; a process "
            "that left the process group may still be running"
        )
    for reader in pending:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    for reader in readers:
        if raise_errors and not reader.cancelled() and reader.exception() is not None:
            raise reader.exception()  # type: ignore[misc]  # an error of a line handler
