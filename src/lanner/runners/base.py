"""The task runner interface: one command run in a working directory, its lines streamed."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from lanner.errors import TaskFailure


class OutputStream(StrEnum):
    STDOUT = "stdout"
    STDERR = "stderr"


# Called for every line the command prints, without its line break, as soon as it is read.
LineHandler = Callable[[str, OutputStream], None]


@dataclass(frozen=True)
class RunnerCommand:
    """One command to run: the program and its arguments, where, and with which variables."""

    argv: list[str]
    working_dir: Path
    # Environment variables the task sets; each runner adds them to its own base environment.
    env: dict[str, str] = field(default_factory=dict)
    # Folders of helper modules that Python scripts import, put first on PYTHONPATH.
    python_path: tuple[Path, ...] = ()


class RunnerUnavailable(TaskFailure):
    """The task runner cannot run anything here, such as Docker without a reachable engine."""


class Runner(abc.ABC):
    """A task runner implementation."""

    # True when the command runs on the worker's host, with access to its files and programs.
    local: bool = True

    @abc.abstractmethod
    async def run(self, command: RunnerCommand, on_line: LineHandler) -> int:
        """Run the command to its end and return its exit code.

        Cancelling the call stops the command and everything it started before the
        cancellation propagates.
        """
