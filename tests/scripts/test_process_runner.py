"""The Process task runner on its own: line streaming, exit codes, stopping process groups."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from lanner.errors import TaskFailure
from lanner.runners import OutputStream, ProcessRunner, RunnerCommand
from tests.scripts.support import live_processes, process_alive, wait_for


class Lines:
    def __init__(self) -> None:
        self.seen: list[tuple[str, OutputStream]] = []

    def __call__(self, line: str, stream: OutputStream) -> None:
        self.seen.append((line, stream))

    def text(self, stream: OutputStream) -> list[str]:
        return [line for line, where in self.seen if where is stream]

    def value(self, prefix: str) -> int:
        for line, _ in self.seen:
            if line.startswith(prefix):
                return int(line.removeprefix(prefix))
        raise AssertionError(f"no line starts with {prefix!r}: {self.seen}")


def shell(script: str, tmp_path: Path, **env: str) -> RunnerCommand:
    return RunnerCommand(["/bin/sh", "-c", script], tmp_path, dict(env))


async def test_process_streams_both_outputs(tmp_path: Path) -> None:
    lines = Lines()

    code = await ProcessRunner().run(
        shell("echo out; echo err >&2; printf 'no newline'", tmp_path), lines
    )

    assert code == 0
    assert lines.text(OutputStream.STDOUT) == ["out", "no newline"]
    assert lines.text(OutputStream.STDERR) == ["err"]


async def test_process_exit_code(tmp_path: Path) -> None:
    assert await ProcessRunner().run(shell("exit 3", tmp_path), Lines()) == 3


async def test_process_signal_exit_code(tmp_path: Path) -> None:
    code = await ProcessRunner().run(shell("kill -KILL $$", tmp_path), Lines())

    assert code == 128 + 9


async def test_process_long_line(tmp_path: Path) -> None:
    lines = Lines()

    await ProcessRunner().run(shell("head -c 300000 /dev/zero | tr '\\0' x; echo", tmp_path), lines)

    assert lines.text(OutputStream.STDOUT) == ["x" * 300000]


async def test_process_crlf_and_invalid_utf8(tmp_path: Path) -> None:
    lines = Lines()

    await ProcessRunner().run(shell("printf 'a\\r\\nb\\377c\\n'", tmp_path), lines)

    assert lines.text(OutputStream.STDOUT) == ["a", "b\ufffdc"]


async def test_process_hides_private_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANNER_DATABASE_URL", "postgresql://secret")
    monkeypatch.setenv("SECRET_TOKEN", "c2VjcmV0")
    monkeypatch.setenv("ENV_VISIBLE", "yes")
    lines = Lines()

    await ProcessRunner().run(
        shell(
            'echo "[$LANNER_DATABASE_URL][$SECRET_TOKEN][$ENV_VISIBLE][$MINE]"', tmp_path, MINE="1"
        ),
        lines,
    )

    assert lines.text(OutputStream.STDOUT) == ["[][][yes][1]"]


async def test_process_missing_program(tmp_path: Path) -> None:
    command = RunnerCommand(["/nonexistent/program"], tmp_path)

    with pytest.raises(TaskFailure, match="cannot start '/nonexistent/program'"):
        await ProcessRunner().run(command, Lines())


async def test_process_background_job_stopped(tmp_path: Path) -> None:
    lines = Lines()

    await ProcessRunner().run(shell("sleep 300 & echo child $!", tmp_path), lines)

    assert not process_alive(lines.value("child "))


async def test_process_cancel_stops_group(tmp_path: Path) -> None:
    lines = Lines()
    script = "echo group $$; sleep 300 & echo child $!; sleep 300"
    run = asyncio.create_task(ProcessRunner().run(shell(script, tmp_path), lines))

    async def started() -> bool:
        return len(lines.seen) >= 2

    await wait_for(started, "the command to print its process ids")
    group, child = lines.value("group "), lines.value("child ")
    assert live_processes(group)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert live_processes(group) == []
    assert not process_alive(child)


async def test_process_sigkill_after_grace(tmp_path: Path) -> None:
    lines = Lines()
    script = "trap '' TERM; echo group $$; while true; do sleep 0.1; done"
    run = asyncio.create_task(ProcessRunner(grace_period=0.5).run(shell(script, tmp_path), lines))

    async def started() -> bool:
        return bool(lines.seen)

    await wait_for(started, "the command to start")
    group = lines.value("group ")
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert live_processes(group) == []


async def test_process_runs_in_working_dir(tmp_path: Path) -> None:
    lines = Lines()

    await ProcessRunner().run(shell("pwd", tmp_path), lines)

    assert lines.text(OutputStream.STDOUT) == [os.path.realpath(tmp_path)]
