"""Shell script tasks: Commands and Script."""

from __future__ import annotations

from pydantic import Field

from lanner.tasks.properties import Text
from lanner.tasks.scripts.base import ScriptTask, TextList


class Commands(ScriptTask):
    type_names = ("io.kestra.plugin.scripts.shell.Commands",)

    commands: TextList = Field(min_length=1)


class Script(ScriptTask):
    type_names = ("io.kestra.plugin.scripts.shell.Script",)

    script: Text = Field(min_length=1)
