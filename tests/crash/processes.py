"""Lanner components as real processes, for tests that kill them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from lanner.executions.model import Execution
from lanner.instance import Instance
from lanner.settings import load_settings

LANNER = str(Path(sys.executable).parent / "lanner")
COMPONENT_APPLICATION_NAME = "lanner-crash-test"


class Component:
    """One `lanner server <role>` process writing its log to a file."""

    def __init__(self, role: str, database_url: str, directory: Path, *arguments: str) -> None:
        self.role = role
        self.database_url = database_url
        self.directory = directory
        self.arguments = arguments
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.role}-{id(self)}.log"

    def start(self) -> None:
        self.starts += 1
        environment = {
            **os.environ,
            "LANNER_DATABASE_URL": self.database_url,
            "LANNER_STORAGE_URL": f"file://{self.directory / 'storage'}",
            "LANNER_DATA_DIR": str(self.directory),
            "LANNER_LIVENESS__HEARTBEAT_INTERVAL": "0.3",
            "LANNER_LIVENESS__HEARTBEAT_TIMEOUT": "2",
            "LANNER_EXECUTOR__POLL_INTERVAL": "0.3",
            "LANNER_WORKER__POLL_INTERVAL": "0.3",
            "LANNER_WORKER__SHUTDOWN_TIMEOUT": "1",
            # libpq names the connections, so a test can drop the components' ones only.
            "PGAPPNAME": COMPONENT_APPLICATION_NAME,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [LANNER, "--log-level", "INFO", "server", self.role, *self.arguments],
            stdout=log, stderr=subprocess.STDOUT, env=environment,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """Kill the process with SIGKILL: no cleanup of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Client:
    """Services of an instance that runs no component: deploy, create, read."""

    def __init__(self, database_url: str, directory: Path) -> None:
        settings = load_settings(
            data_dir=directory, database_url=database_url,
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

    async def create(self, namespace: str, flow_id: str, **inputs: Any) -> Execution:
        return await self.instance.executions.create(namespace, flow_id, inputs)

    async def wait(self, execution_id: str, timeout: float = 120) -> Execution:
        return await self.instance.executions.wait_until_finished(execution_id, timeout, poll=0.2)

    async def wait_all(self, ids: list[str], timeout: float = 300) -> list[Execution]:
        return list(await asyncio.gather(*(self.wait(item, timeout) for item in ids)))
