"""The properties every script task has (Kestra's `AbstractExecScript`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lanner.tasks.choices import one_of
from lanner.tasks.properties import DynamicBool, Text
from lanner.tasks.scripts.runners import AnyTaskRunner, DockerOptions
from lanner.tasks.unavailable import UnavailableTask
from lanner.tasks.working_files import InputFiles, NamespaceFiles, OutputFiles

# TODO: script tasks fail when run until the worker starts task runners.

# A list of text, or an expression rendering to one.
TextList = list[str] | str


class ScriptTask(UnavailableTask):
    """A task that runs commands in a fresh working directory through a task runner."""

    # The Docker runner by default, as in Kestra.
    task_runner: AnyTaskRunner | None = None
    # Deprecated in Kestra for `taskRunner`, which wins when both are set.
    runner: Annotated[str, one_of("PROCESS", "DOCKER", dynamic=False)] | None = None
    docker: DockerOptions | None = None
    container_image: Text | None = None
    before_commands: TextList | None = None
    env: dict[str, Any] | str | None = None
    warning_on_std_err: DynamicBool = True
    interpreter: TextList | None = None
    fail_fast: DynamicBool = True
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None
    # Deprecated in Kestra for `outputFiles`; enables `{{ outputDir }}`.
    output_directory: DynamicBool | None = None
    target_os: Annotated[str, one_of("LINUX", "WINDOWS", "AUTO")] = Field(
        default="AUTO", alias="targetOS"
    )
