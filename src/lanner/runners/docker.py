"""The Docker task runner: commands run in a container, through the `docker` command-line client.

The working directory is mounted at the same path inside the container, so `{{ workingDir }}`
and the files of the task read the same in both places. Helper module folders for Python are
mounted read-only under `/lanner/python/`. Environment variables are passed by name (`-e NAME`)
with their values in the client's environment, so they never show in a process listing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lanner.runners.base import LineHandler, Runner, RunnerCommand, RunnerUnavailable
from lanner.runners.process import DEFAULT_GRACE_PERIOD, inherited_environment, run_process

logger = logging.getLogger(__name__)

# Seconds to wait for the engine to respond to `docker version`, and for `docker stop`.
_ENGINE_TIMEOUT = 15.0
_CONTAINER_PYTHON_ROOT = "/lanner/python"
_PULL_POLICIES = {"IF_NOT_PRESENT": "missing", "ALWAYS": "always", "NEVER": "never"}


@dataclass(frozen=True)
class RegistryCredentials:
    registry: str | None = None
    username: str | None = None
    password: str | None = None
    registry_token: str | None = None
    identity_token: str | None = None
    auth: str | None = None


@dataclass(frozen=True)
class DockerSettings:
    """The rendered settings of one container run."""

    image: str
    host: str | None = None
    # A Docker `config.json`, as text.
    config: str | None = None
    credentials: RegistryCredentials | None = None
    user: str | None = None
    # None clears the image's entrypoint, so the interpreter is the container's main process.
    entry_point: list[str] | None = None
    extra_hosts: list[str] = field(default_factory=list)
    network_mode: str | None = None
    port_bindings: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    pull_policy: str | None = None
    cpus: str | None = None
    memory: dict[str, str] = field(default_factory=dict)
    oom_kill_disable: bool = False
    shm_size: str | None = None
    privileged: bool = False
    gpus: str | None = None
    delete: bool = True
    grace_period: float = DEFAULT_GRACE_PERIOD


class DockerRunner(Runner):
    """Runs the command in a container of `settings.image` on a reachable Docker engine."""

    local = False

    def __init__(self, settings: DockerSettings) -> None:
        self.settings = settings

    async def run(self, command: RunnerCommand, on_line: LineHandler) -> int:
        client = docker_client()
        with tempfile.TemporaryDirectory(prefix="lanner-docker-") as private:
            global_options = self._global_options(Path(private))
            await check_engine(client, global_options)
            name = f"lanner-{secrets.token_hex(8)}"
            argv = [client, *global_options, *run_arguments(self.settings, command, name)]
            env = {**inherited_environment(), **command.env, **_python_env(command)}

            async def stop_container() -> None:
                await _stop_container(client, global_options, name, self.settings)

            return await run_process(
                argv,
                command.working_dir,
                env,
                on_line,
                self.settings.grace_period,
                before_stop=stop_container,
            )

    def _global_options(self, private: Path) -> list[str]:
        options = []
        if self.settings.host:
            options += ["--host", self.settings.host]
        config = registry_config(self.settings)
        if config is not None:
            (private / "config.json").write_text(json.dumps(config), encoding="utf-8")
            options += ["--config", str(private)]
        return options


def docker_client() -> str:
    client = shutil.which("docker")
    if client is None:
        raise RunnerUnavailable(
            "the Docker task runner needs the `docker` command-line client on the worker's PATH "
            "and a reachable Docker engine; install Docker, or use the task runner "
            "io.kestra.plugin.core.runner.Process"
        )
    return client


async def check_engine(client: str, global_options: list[str]) -> None:
    """Raise RunnerUnavailable unless a Docker engine responds."""
    process = await asyncio.create_subprocess_exec(
        client,
        *global_options,
        "version",
        "--format",
        "{{.Server.Version}}",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, error = await asyncio.wait_for(process.communicate(), _ENGINE_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RunnerUnavailable(
            f"no Docker engine responded within {_ENGINE_TIMEOUT:.0f} s; start Docker, set the "
            "runner's `host`, or use the task runner io.kestra.plugin.core.runner.Process"
        ) from None
    if process.returncode != 0:
        reason = error.decode("utf-8", errors="replace").strip().splitlines()
        raise RunnerUnavailable(
            "the Docker task runner found no reachable Docker engine"
            + (f" ({reason[-1]})" if reason else "")
            + "; start Docker, set the runner's `host`, or use the task runner "
            "io.kestra.plugin.core.runner.Process"
        )


def run_arguments(settings: DockerSettings, command: RunnerCommand, name: str) -> list[str]:
    """Build the `docker run` arguments that run `command` in a container called `name`."""
    working_dir = str(command.working_dir)
    arguments = ["run", "--name", name, "--workdir", working_dir]
    arguments += ["--volume", f"{working_dir}:{working_dir}"]
    if settings.delete:
        arguments.append("--rm")
    for index, folder in enumerate(command.python_path):
        arguments += ["--volume", f"{folder}:{_CONTAINER_PYTHON_ROOT}/{index}:ro"]
    for variable in sorted({*command.env, *_python_env(command)}):
        arguments += ["--env", variable]
    arguments += _resource_arguments(settings)
    entry_point = settings.entry_point
    arguments += ["--entrypoint", entry_point[0] if entry_point else ""]
    arguments.append(settings.image)
    arguments += entry_point[1:] if entry_point else []
    return [*arguments, *command.argv]


def _resource_arguments(settings: DockerSettings) -> list[str]:
    arguments: list[str] = []
    if settings.user:
        arguments += ["--user", settings.user]
    for host in settings.extra_hosts:
        arguments += ["--add-host", host]
    if settings.network_mode:
        arguments += ["--network", settings.network_mode]
    for binding in settings.port_bindings:
        arguments += ["--publish", binding]
    for volume in settings.volumes:
        arguments += ["--volume", volume]
    if settings.pull_policy:
        arguments.append(f"--pull={_PULL_POLICIES.get(settings.pull_policy, 'missing')}")
    if settings.cpus:
        arguments += ["--cpus", settings.cpus]
    for option, value in sorted(settings.memory.items()):
        arguments += [f"--{option}", value]
    if settings.oom_kill_disable:
        arguments.append("--oom-kill-disable")
    if settings.shm_size:
        arguments += ["--shm-size", settings.shm_size]
    if settings.privileged:
        arguments.append("--privileged")
    if settings.gpus:
        arguments += ["--gpus", settings.gpus]
    return arguments


def registry_config(settings: DockerSettings) -> dict[str, object] | None:
    """Build the client `config.json` holding registry credentials, or None without any."""
    config: dict[str, object] = json.loads(settings.config) if settings.config else {}
    credentials = settings.credentials
    if credentials is None:
        return config or None
    registry = credentials.registry or _registry_of(settings.image)
    entry: dict[str, str] = {}
    if credentials.auth:
        entry["auth"] = credentials.auth
    elif credentials.username is not None:
        pair = f"{credentials.username}:{credentials.password or ''}"
        entry["auth"] = base64.b64encode(pair.encode("utf-8")).decode("ascii")
    if credentials.identity_token:
        entry["identitytoken"] = credentials.identity_token
    if credentials.registry_token:
        entry["registrytoken"] = credentials.registry_token
    auths = config.setdefault("auths", {})
    assert isinstance(auths, dict)
    auths[registry] = entry
    return config


def _registry_of(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "https://index.docker.io/v1/"


def _python_env(command: RunnerCommand) -> dict[str, str]:
    if not command.python_path:
        return {}
    folders = [f"{_CONTAINER_PYTHON_ROOT}/{index}" for index in range(len(command.python_path))]
    if command.env.get("PYTHONPATH"):
        folders.append(command.env["PYTHONPATH"])
    return {"PYTHONPATH": ":".join(folders)}


async def _stop_container(
    client: str, global_options: list[str], name: str, settings: DockerSettings
) -> None:
    """Stop the container: SIGTERM, then SIGKILL after the grace period.

    A container started with `--rm` (`delete: true`) is removed by the engine once stopped.
    """
    grace = max(0, round(settings.grace_period))
    await _docker(client, [*global_options, "stop", "--time", str(grace), name], grace)


async def _docker(client: str, arguments: list[str], extra_seconds: float) -> None:
    process = await asyncio.create_subprocess_exec(
        client,
        *arguments,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, error = await asyncio.wait_for(process.communicate(), _ENGINE_TIMEOUT + extra_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        logger.warning("docker %s did not finish in time", arguments[-2])
        return
    if process.returncode != 0:
        logger.warning(
            "docker %s failed: %s",
            " ".join(arguments),
            error.decode("utf-8", errors="replace").strip(),
        )
