"""Task runners of script tasks: a local process, or a Docker container.

A script task selects one with `taskRunner: {type: ...}`. The older `docker:` property of script
tasks holds the container settings that the Docker runner now carries.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel

from lanner.tasks.choices import one_of
from lanner.tasks.properties import MODEL_CONFIG, DynamicBool, StaticDuration, Text
from lanner.tasks.typed_union import typed_union

PullPolicy = Annotated[str, one_of("IF_NOT_PRESENT", "ALWAYS", "NEVER")]


class _Settings(BaseModel):
    model_config = MODEL_CONFIG


class Credentials(_Settings):
    """Credentials for a private container registry."""

    registry: Text | None = None
    username: Text | None = None
    password: Text | None = None
    registry_token: Text | None = None
    identity_token: Text | None = None
    auth: Text | None = None


class Cpu(_Settings):
    cpus: float | Text | None = None


class Memory(_Settings):
    memory: Text | None = None
    memory_swap: Text | None = None
    memory_swappiness: Text | None = None
    memory_reservation: Text | None = None
    kernel_memory: Text | None = None
    oom_kill_disable: DynamicBool | None = None


class DeviceRequest(_Settings):
    driver: Text | None = None
    count: int | Text | None = None
    device_ids: list[str] | None = None
    capabilities: list[list[str]] | None = None
    options: dict[str, Any] | None = None


class ContainerSettings(_Settings):
    """The container settings that the `docker:` property and the Docker runner share."""

    host: Text | None = None
    # A Docker config.json as text or as a map, holding registry credentials.
    config: Text | dict[str, Any] | None = None
    credentials: Credentials | None = None
    user: Text | None = None
    entry_point: list[str] | None = None
    extra_hosts: list[str] | None = None
    network_mode: Text | None = None
    port_bindings: list[str] | None = None
    volumes: list[str] | None = None
    pull_policy: PullPolicy | None = None
    device_requests: list[DeviceRequest] | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    shm_size: Text | None = None
    privileged: DynamicBool | None = None


class DockerOptions(ContainerSettings):
    """The older `docker:` property of script tasks."""

    image: Text | None = None


class TaskRunner(_Settings):
    type_names: ClassVar[tuple[str, ...]] = ()

    type: str
    version: str | None = None


class Process(TaskRunner):
    """Run the commands as a process on the worker's host."""

    type_names = ("io.kestra.plugin.core.runner.Process",)


class Docker(TaskRunner, ContainerSettings):
    """Run the commands in a Docker container of the task's `containerImage`."""

    type_names = ("io.kestra.plugin.scripts.runner.docker.Docker",)

    file_handling_strategy: Annotated[str, one_of("VOLUME", "MOUNT")] = "VOLUME"
    delete: DynamicBool = True
    wait: DynamicBool = True
    kill_grace_period: StaticDuration | None = None
    resume: DynamicBool = True


# Any task runner, chosen by its `type`.
AnyTaskRunner: Any = typed_union("task runner", Process, Docker)
