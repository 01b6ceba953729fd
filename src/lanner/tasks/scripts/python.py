"""Python script tasks: Commands and Script.

On the Process runner, Python is the `python3` found on the command's PATH (the worker's, or
the `PATH` set in `env`). A `python` command is put first on that PATH, running that `python3`,
so that commands written for Kestra's images (`python main.py`) run unchanged. In a container,
`python` is the image's. Scripts can `import lanner_helpers` to send outputs and metrics, and
`dependencies` are installed first (see `lanner.tasks.scripts.python_packages`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import secrets
import shlex
import shutil
import stat
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import Field

from lanner import script_helpers
from lanner.expressions import is_truthy
from lanner.runners import Runner
from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicBool, Text
from lanner.tasks.scripts.base import ScriptSetup, ScriptTask, TextList
from lanner.tasks.scripts.commands import rendered_texts
from lanner.tasks.scripts.input_files import localize_storage_uris
from lanner.tasks.scripts.python_packages import installed_packages
from lanner.tasks.scripts.working_dir import target_path, write_file
from lanner.worker.context import RunContext

# Unbuffered output, so that lines reach the logs as they are printed, and quiet pip.
PYTHON_ENV = {
    "PYTHONUNBUFFERED": "true",
    "PIP_ROOT_USER_ACTION": "ignore",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


class _PythonTask(ScriptTask):
    # NOTE: Kestra's Python tasks default to this image; the tag may differ between versions.
    default_image: ClassVar[str] = "ghcr.io/kestra-io/kestrapy:latest"

    # Packages installed before the script runs, cached between runs unless disabled.
    dependencies: TextList | None = None
    # NOTE: not honoured: the Process runner uses the `python3` of the PATH, a container its own.
    python_version: Text | None = None
    dependency_cache_enabled: DynamicBool = True
    package_manager: Annotated[str, one_of("UV", "PIP")] = "UV"

    @contextlib.asynccontextmanager
    async def setup(
        self, context: RunContext, runner: Runner, env: dict[str, str]
    ) -> AsyncIterator[ScriptSetup]:
        added = dict(PYTHON_ENV)
        path = env.get("PATH", os.environ.get("PATH", os.defpath))
        if runner.local:
            path = os.pathsep.join([str(python_command_folder()), path])
        packages = rendered_texts(context, self.dependencies, "dependencies")
        cached = is_truthy(
            context.render_typed(self.dependency_cache_enabled, "dependencyCacheEnabled")
        )
        manager = context.render(self.package_manager, "packageManager")
        async with installed_packages(
            context,
            packages,
            local=runner.local,
            cached=cached,
            package_manager=manager,
            env={**env, "PATH": path},
        ) as installed:
            python_path = [script_helpers.PYTHON_PATH]
            if installed.folder is not None:
                python_path.append(installed.folder)
                path = os.pathsep.join([str(installed.folder / "bin"), path])
            if runner.local:
                added["PATH"] = path
            yield ScriptSetup(added, installed.commands, tuple(python_path))


class Commands(_PythonTask):
    """Run commands, such as `python main.py`, with Python available."""

    type_names = ("io.kestra.plugin.scripts.python.Commands",)

    commands: TextList = Field(min_length=1)

    async def script_lines(self, context: RunContext, directory: Path, runner: Runner) -> list[str]:
        return rendered_texts(context, self.commands, "commands")


class Script(_PythonTask):
    """Run an inline Python script, written to a `.py` file in the working directory."""

    type_names = ("io.kestra.plugin.scripts.python.Script",)

    script: Text = Field(min_length=1)

    async def script_lines(self, context: RunContext, directory: Path, runner: Runner) -> list[str]:
        source = context.render(self.script, "script")
        source = await localize_storage_uris(context, directory, source)
        target = target_path(directory, f"{secrets.token_hex(8)}.py", "script")
        await write_file(directory, target, source.encode("utf-8"))
        python = "python3" if runner.local else "python"
        return [f"{python} {shlex.quote(str(target))}"]


@functools.cache
def python_command_folder() -> Path:
    """Create, once per worker process, a folder holding a `python` that runs `python3`."""
    folder = Path(tempfile.mkdtemp(prefix="lanner-python-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    command = folder / "python"
    command.write_text('#!/bin/sh\nexec python3 "$@"\n', encoding="utf-8")
    command.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return folder
