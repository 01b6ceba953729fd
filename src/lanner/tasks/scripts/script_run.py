"""One attempt of a script task: prepare the working directory, run, keep outputs and files.

The steps, in order:

1. choose the task runner;
2. take a fresh working directory, or the one a WorkingDirectory task shares;
3. copy namespace files, then write `inputFiles` over them;
4. render the commands and the environment, with `{{ workingDir }}` set;
5. let the task type prepare (Python installs `dependencies`), then run, streaming every line
   to the task run's logs;
6. store `outputFiles`, also when the command failed;
7. fail on a non-zero exit code, with the last lines of standard error in the message.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.errors import TaskFailure
from lanner.expressions import is_truthy
from lanner.ids import new_id
from lanner.runners import Runner, RunnerCommand
from lanner.tasks.scripts.commands import rendered_env, script_argv
from lanner.tasks.scripts.input_files import load_namespace_files, write_input_files
from lanner.tasks.scripts.output_files import rendered_patterns, store_output_files
from lanner.tasks.scripts.output_lines import ScriptOutput
from lanner.tasks.scripts.runner_choice import choose_runner
from lanner.tasks.scripts.working_dir import fresh_working_directory
from lanner.worker.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.scripts.base import ScriptTask


class ScriptFailure(TaskFailure):
    """A script ended with a non-zero exit code; the task run keeps the outputs it produced."""

    def __init__(self, message: str, outputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.outputs = outputs


async def run_script(task: ScriptTask, context: RunContext) -> dict[str, Any]:
    """Run one attempt of `task` and return its outputs, or raise ScriptFailure."""
    runner = choose_runner(task, context)
    async with working_directory(context, task.id) as directory:
        return await _run_in(task, context, runner, directory)


@contextlib.asynccontextmanager
async def working_directory(context: RunContext, task_id: str) -> AsyncIterator[Path]:
    """Yield the directory a WorkingDirectory task shares, else a fresh one for this attempt."""
    if context.working_dir is not None:
        yield context.working_dir
        return
    async with fresh_working_directory(task_id) as directory:
        yield directory


async def _run_in(
    task: ScriptTask, context: RunContext, runner: Runner, directory: Path
) -> dict[str, Any]:
    output_dir = _output_dir(task, context, directory)
    variables: dict[str, Any] = {"workingDir": str(directory)}
    if output_dir is not None:
        variables["outputDir"] = str(output_dir)
    context = context.with_variables(**variables)

    await load_namespace_files(context, directory, task.namespace_files, "namespaceFiles")
    await write_input_files(context, directory, task.input_files)
    patterns = rendered_patterns(context, task.output_files, "outputFiles")
    commands = await task.script_lines(context, directory, runner)
    env = _environment(task, context, directory, output_dir)
    async with task.setup(context, runner, env) as setup:
        argv = await script_argv(
            context,
            directory,
            interpreter=task.interpreter,
            before_commands=task.before_commands,
            fail_fast=task.fail_fast,
            commands=commands,
            setup_commands=setup.before_commands,
        )
        output = ScriptOutput(context)
        command = RunnerCommand(argv, directory, {**env, **setup.env}, setup.python_path)
        exit_code = await runner.run(command, output.handle)

    files = await store_output_files(context, directory, patterns)
    if output_dir is not None:
        files.update(await store_output_files(context, output_dir, ["**"]))
    outputs = {"vars": output.vars, "exitCode": exit_code, "outputFiles": files}
    if exit_code != 0:
        raise ScriptFailure(_failure_message(task, exit_code, output), outputs)
    return outputs


def _output_dir(task: ScriptTask, context: RunContext, directory: Path) -> Path | None:
    if task.output_directory is None:
        return None
    if not is_truthy(context.render_typed(task.output_directory, "outputDirectory")):
        return None
    folder = directory / new_id()
    folder.mkdir()
    return folder


def _environment(
    task: ScriptTask, context: RunContext, directory: Path, output_dir: Path | None
) -> dict[str, str]:
    env = rendered_env(context, task.env)
    env["WORKING_DIR"] = str(directory)
    if output_dir is not None:
        env["OUTPUT_DIR"] = str(output_dir)
    return env


def _failure_message(task: ScriptTask, exit_code: int, output: ScriptOutput) -> str:
    message = f"task {task.id!r}: the command exited with code {exit_code}"
    if not output.stderr_tail:
        return message + " and printed nothing on standard error"
    tail = "\n".join(f"  {line}" for line in output.stderr_tail)
    return f"{message}; the last lines of standard error were:\n{tail}"
