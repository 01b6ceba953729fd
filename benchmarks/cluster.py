"""Lanner laid out as a deployment would be, for benchmarks: components in their own processes.

`standalone` runs `lanner server standalone` (executor, worker and web server in one process);
`split` runs `lanner server executor` and `lanner server worker` as two processes. The
benchmark itself is a separate client process that creates executions directly through the
services and reads their stored timestamps, so its own work is not counted in the process
under test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanner.executions.model import Execution
from lanner.instance import Instance
from lanner.settings import load_settings

LANNER = str(Path(sys.executable).parent / "lanner")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    layout: str  # "standalone" or "split"
    database_url: str
    directory: Path
    grouped: bool = True
    environment: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "LANNER_DATABASE_URL": self.database_url,
            "LANNER_STORAGE_URL": f"file://{self.directory / 'storage'}",
            "LANNER_DATA_DIR": str(self.directory),
            "LANNER_EXECUTOR__GROUPED": "true" if self.grouped else "false",
            **self.environment,
        }

    def start(self) -> None:
        commands: list[list[str]]
        if self.layout == "standalone":
            commands = [[LANNER, "server", "standalone", "--port", str(free_port())]]
        elif self.layout == "split":
            commands = [[LANNER, "server", "executor"], [LANNER, "server", "worker"]]
        else:
            raise ValueError(f"unknown layout {self.layout!r}: use standalone or split")
        for command in commands:
            log = (self.directory / f"{command[2]}.log").open("ab")
            self.processes.append(
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                 env=self._environment())
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]


class Client:
    """Creates executions and waits for them, without running any component."""

    def __init__(self, database_url: str, directory: Path) -> None:
        settings = load_settings(
            data_dir=directory / "client", database_url=database_url,
            storage_url=f"file://{directory / 'storage'}",
        )
        self.instance = Instance(settings)

    async def __aenter__(self) -> Client:
        await self.instance.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.instance.stop()

    async def deploy(self, source: str) -> None:
        await self.instance.flows.deploy_text(source)

    async def create(self, namespace: str, flow_id: str) -> Execution:
        return await self.instance.executions.create(namespace, flow_id, {})

    async def wait(self, execution_id: str, timeout: float = 600) -> Execution:
        return await self.instance.executions.wait_until_finished(
            execution_id, timeout, poll=0.02
        )

    async def wait_ready(self, namespace: str, flow_id: str, timeout: float = 120) -> None:
        """Run one execution to its end, proving the components are up."""
        created = await self.create(namespace, flow_id)
        await self.wait(created.id, timeout)


async def settle() -> None:
    """Give the processes a moment between variants."""
    await asyncio.sleep(1.0)
