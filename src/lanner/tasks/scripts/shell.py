"""Shell script tasks: Commands and Script."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from lanner.runners import Runner
from lanner.tasks.properties import Text
from lanner.tasks.scripts.base import ScriptTask, TextList
from lanner.tasks.scripts.commands import rendered_texts
from lanner.worker.context import RunContext


class Commands(ScriptTask):
    """Run shell commands, one after the other, in one shell."""

    type_names = ("io.kestra.plugin.scripts.shell.Commands",)

    commands: TextList = Field(min_length=1)

    async def script_lines(self, context: RunContext, directory: Path, runner: Runner) -> list[str]:
        return rendered_texts(context, self.commands, "commands")


class Script(ScriptTask):
    """Run an inline shell script."""

    type_names = ("io.kestra.plugin.scripts.shell.Script",)

    script: Text = Field(min_length=1)

    async def script_lines(self, context: RunContext, directory: Path, runner: Runner) -> list[str]:
        return [context.render(self.script, "script")]
