"""The Docker task runner: a clear failure without an engine, containers where one responds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lanner.runners import DockerSettings, RunnerCommand, RunnerUnavailable
from lanner.runners.docker import registry_config, run_arguments
from tests.scripts.support import TaskRun, parse_task


def engine_reachable() -> bool:
    client = shutil.which("docker")
    if client is None:
        return False
    try:
        answer = subprocess.run(
            [client, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return answer.returncode == 0


ENGINE = engine_reachable()
needs_engine = pytest.mark.skipif(not ENGINE, reason="no Docker engine is reachable here")

DOCKER_TASK = """
- id: container
  type: io.kestra.plugin.scripts.shell.Commands
  taskRunner:
    type: io.kestra.plugin.scripts.runner.docker.Docker
  containerImage: alpine:3
  outputFiles: ["out.txt"]
  env:
    GREETING: hello
  commands:
    - echo "$GREETING from $(cat /etc/alpine-release | cut -c1)"
    - echo kept > out.txt
    - echo '::{"outputs":{"inside":true}}::'
"""


@pytest.mark.skipif(ENGINE, reason="a Docker engine is reachable, so the runner does not fail")
async def test_docker_without_engine_fails(tmp_path: Path) -> None:
    with pytest.raises(RunnerUnavailable, match="Docker") as failure:
        await TaskRun(tmp_path).run(parse_task(DOCKER_TASK))

    assert "io.kestra.plugin.core.runner.Process" in str(failure.value)


@needs_engine
async def test_docker_runs_container(tmp_path: Path) -> None:
    run = TaskRun(tmp_path)

    outputs = await run.run(parse_task(DOCKER_TASK))

    assert outputs is not None
    assert outputs["exitCode"] == 0
    assert outputs["vars"] == {"inside": True}
    assert run.messages("INFO") == ["hello from 3"]
    assert await run.read(outputs["outputFiles"]["out.txt"]) == b"kept\n"


def test_docker_arguments(tmp_path: Path) -> None:
    settings = DockerSettings(
        image="alpine:3",
        user="1000",
        pull_policy="ALWAYS",
        memory={"memory": "512m"},
        volumes=["/data:/data:ro"],
    )
    command = RunnerCommand(["/bin/sh", "-c", "echo hi"], tmp_path, {"A": "1"}, (Path("/helpers"),))

    arguments = run_arguments(settings, command, "lanner-test")

    assert arguments[:2] == ["run", "--name"]
    assert arguments[3:5] == ["--workdir", str(tmp_path)]
    assert f"{tmp_path}:{tmp_path}" in arguments
    assert "/helpers:/lanner/python/0:ro" in arguments
    assert arguments.count("--env") == 2  # A and PYTHONPATH, by name only
    assert "1" not in arguments
    assert "--pull=always" in arguments
    assert arguments[-5:] == ["", "alpine:3", "/bin/sh", "-c", "echo hi"]


def test_docker_registry_credentials() -> None:
    from lanner.runners.docker import RegistryCredentials

    settings = DockerSettings(
        image="registry.example:5000/team/image:1",
        credentials=RegistryCredentials(username="user", password="pass"),
    )

    config = registry_config(settings)

    assert config == {"auths": {"registry.example:5000": {"auth": "dXNlcjpwYXNz"}}}
