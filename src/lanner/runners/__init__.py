"""Task runners: where the commands of script tasks run.

`ProcessRunner` runs them as a local process on the worker, `DockerRunner` in a container of a
Docker engine. Both stream every output line to the task as it is printed and stop everything
they started when the task run is cancelled (a kill, a timeout, a worker shutdown).
"""

from lanner.runners.base import (
    LineHandler,
    OutputStream,
    Runner,
    RunnerCommand,
    RunnerUnavailable,
)
from lanner.runners.docker import DockerRunner, DockerSettings
from lanner.runners.process import ProcessRunner

__all__ = [
    "DockerRunner",
    "DockerSettings",
    "LineHandler",
    "OutputStream",
    "ProcessRunner",
    "Runner",
    "RunnerCommand",
    "RunnerUnavailable",
]
