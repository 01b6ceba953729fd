"""The choice of a script task's runner, with the runner's settings rendered."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lanner.expressions import is_truthy, to_text
from lanner.runners import DockerRunner, DockerSettings, ProcessRunner, Runner
from lanner.runners.docker import RegistryCredentials
from lanner.runners.process import DEFAULT_GRACE_PERIOD
from lanner.tasks.scripts.commands import rendered_texts
from lanner.tasks.scripts.runners import ContainerSettings, Docker, DockerOptions, Process
from lanner.worker.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.scripts.base import ScriptTask

_MEMORY_OPTIONS = {
    "memory": "memory",
    "memory_swap": "memory-swap",
    "memory_swappiness": "memory-swappiness",
    "memory_reservation": "memory-reservation",
    "kernel_memory": "kernel-memory",
}


def choose_runner(task: ScriptTask, context: RunContext) -> Runner:
    """Return the runner of `taskRunner`, else of the older `runner`, else the Process runner."""
    model = task.task_runner
    if isinstance(model, Docker):
        settings = docker_settings(context, model, _image(task, context, None))
        grace = model.kill_grace_period
        delete = is_truthy(context.render_typed(model.delete, "taskRunner.delete"))
        grace_period = grace.total_seconds() if grace else DEFAULT_GRACE_PERIOD
        return DockerRunner(replace(settings, delete=delete, grace_period=grace_period))
    if isinstance(model, Process) or task.runner != "DOCKER":
        return ProcessRunner()
    options = task.docker or DockerOptions()
    return DockerRunner(docker_settings(context, options, _image(task, context, options.image)))


def _image(task: ScriptTask, context: RunContext, docker_image: str | None) -> str:
    if docker_image:
        return context.render(docker_image, "docker.image")
    if task.container_image:
        return context.render(task.container_image, "containerImage")
    return task.default_image


def docker_settings(context: RunContext, model: ContainerSettings, image: str) -> DockerSettings:
    """Render the container settings shared by the Docker runner and the `docker` property."""

    def text(value: str | None, name: str) -> str | None:
        return context.render(value, name) if value is not None else None

    def texts(value: list[str] | None, name: str) -> list[str]:
        return rendered_texts(context, value, name)

    memory = {}
    if model.memory is not None:
        for field_name, option in _MEMORY_OPTIONS.items():
            value = getattr(model.memory, field_name)
            if value is not None:
                memory[option] = context.render(value, f"memory.{field_name}")
    return DockerSettings(
        image=image,
        host=text(model.host, "host"),
        config=_config_text(context, model.config),
        credentials=_credentials(context, model),
        user=text(model.user, "user"),
        entry_point=texts(model.entry_point, "entryPoint") if model.entry_point else None,
        extra_hosts=texts(model.extra_hosts, "extraHosts"),
        network_mode=text(model.network_mode, "networkMode"),
        port_bindings=texts(model.port_bindings, "portBindings"),
        volumes=texts(model.volumes, "volumes"),
        pull_policy=model.pull_policy,
        cpus=to_text(context.render_typed(model.cpu.cpus, "cpu.cpus"))
        if model.cpu is not None and model.cpu.cpus is not None
        else None,
        memory=memory,
        oom_kill_disable=_flag(context, model.memory.oom_kill_disable if model.memory else None),
        shm_size=text(model.shm_size, "shmSize"),
        privileged=_flag(context, model.privileged),
        gpus=_gpus(model),
    )


def _flag(context: RunContext, value: bool | str | None) -> bool:
    return value is not None and is_truthy(context.render_typed(value, "docker"))


def _config_text(context: RunContext, config: str | dict[str, Any] | None) -> str | None:
    if config is None:
        return None
    if isinstance(config, dict):
        return json.dumps(context.render_value(config, "config"))
    return context.render(config, "config")


def _credentials(context: RunContext, model: ContainerSettings) -> RegistryCredentials | None:
    credentials = model.credentials
    if credentials is None:
        return None
    values = {
        name: context.render(value, f"credentials.{name}") if value is not None else None
        for name, value in credentials.model_dump(by_alias=False).items()
    }
    return RegistryCredentials(**values)


def _gpus(model: ContainerSettings) -> str | None:
    """Translate GPU device requests into the `--gpus` option; other requests are ignored."""
    for request in model.device_requests or []:
        capabilities = [item for group in request.capabilities or [] for item in group]
        if request.capabilities and "gpu" not in capabilities:
            continue
        if request.device_ids:
            return "device=" + ",".join(request.device_ids)
        count = str(request.count) if request.count is not None else "-1"
        return "all" if count == "-1" else count
    return None
