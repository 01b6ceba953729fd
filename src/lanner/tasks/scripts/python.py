"""Python script tasks: Commands and Script, with optional dependencies to install."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicBool, Text
from lanner.tasks.scripts.base import ScriptTask, TextList


class _PythonTask(ScriptTask):
    # Packages installed before the script runs, cached between runs unless disabled.
    dependencies: TextList | None = None
    python_version: Text | None = None
    dependency_cache_enabled: DynamicBool = True
    package_manager: Annotated[str, one_of("UV", "PIP")] = "UV"


class Commands(_PythonTask):
    type_names = ("io.kestra.plugin.scripts.python.Commands",)

    commands: TextList = Field(min_length=1)


class Script(_PythonTask):
    type_names = ("io.kestra.plugin.scripts.python.Script",)

    script: Text = Field(min_length=1)
