"""The properties every script task has (Kestra's `AbstractExecScript`), and how it runs."""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from lanner.tasks.base import RunnableTask
from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicBool, Text
from lanner.tasks.scripts.runners import AnyTaskRunner, DockerOptions
from lanner.tasks.working_files import InputFiles, NamespaceFiles, OutputFiles

if TYPE_CHECKING:
    from lanner.runners import Runner
    from lanner.worker.context import RunContext

# A list of text, or an expression rendering to one.
TextList = list[str] | str


class ScriptTask(RunnableTask):
    """A task that runs commands in a fresh working directory through a task runner.

    Each attempt gets an empty working directory, removed when the attempt ends; inside a
    WorkingDirectory task, the children share that task's directory instead. The outputs are
    `vars` (sent with `::{"outputs": ...}::` lines), `exitCode` and `outputFiles`.
    """

    # The container image of the Docker runner when `containerImage` is not set.
    default_image: ClassVar[str] = "ubuntu"

    # Unset means Lanner's default, the Process runner (Kestra's default is Docker).
    task_runner: AnyTaskRunner | None = None
    # Deprecated in Kestra for `taskRunner`, which wins when both are set.
    runner: Annotated[str, one_of("PROCESS", "DOCKER", dynamic=False)] | None = None
    docker: DockerOptions | None = None
    container_image: Text | None = None
    before_commands: TextList | None = None
    env: dict[str, Any] | str | None = None
    # Deprecated since Kestra 0.23, where standard error output stopped setting WARNING; it
    # has no effect there nor here.
    warning_on_std_err: DynamicBool = True
    interpreter: TextList | None = None
    fail_fast: DynamicBool = True
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None
    # Deprecated in Kestra for `outputFiles`; enables `{{ outputDir }}`.
    output_directory: DynamicBool | None = None
    # NOTE: commands always run as on Linux; WINDOWS is accepted but changes nothing.
    target_os: Annotated[str, one_of("LINUX", "WINDOWS", "AUTO")] = Field(
        default="AUTO", alias="targetOS"
    )

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        from lanner.tasks.scripts.script_run import run_script

        return await run_script(self, context)

    async def script_lines(self, context: RunContext, directory: Path, runner: Runner) -> list[str]:
        """Render the lines the script runs after `beforeCommands`."""
        raise NotImplementedError

    def setup(
        self, context: RunContext, runner: Runner, env: dict[str, str]
    ) -> AbstractAsyncContextManager[ScriptSetup]:
        """Prepare what the task type adds to the command, given the rendered `env`.

        The preparation lasts until the command ended, such as packages installed for it.
        """
        return contextlib.nullcontext(ScriptSetup())


@dataclass(frozen=True)
class ScriptSetup:
    """What a task type adds to its command."""

    # Environment variables, set over the rendered `env`.
    env: dict[str, str] = field(default_factory=dict)
    # Commands run before `beforeCommands`.
    before_commands: list[str] = field(default_factory=list)
    # Folders of modules that Python in the command imports, put first on PYTHONPATH.
    python_path: tuple[Path, ...] = ()
