"""The `dependencies` of Python script tasks: packages installed before the script runs.

On the Process runner, the packages are installed into a folder of their own with
`pip install --target`, or with `uv pip` when `packageManager` is UV and `uv` is on the PATH.
The script gets that folder first on its PYTHONPATH, and its `bin` first on its PATH. With
`dependencyCacheEnabled` (the default) that folder is kept on the worker and reused by every
task asking for the same packages with the same `python3`. Without it, each attempt installs
into a folder removed afterwards. In a container, a pip command run before `beforeCommands`
installs them in the container.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import shlex
import shutil
import tempfile
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from lanner.errors import TaskFailure
from lanner.runners import OutputStream
from lanner.runners.process import DEFAULT_GRACE_PERIOD, inherited_environment, run_process
from lanner.worker.context import RunContext

logger = logging.getLogger(__name__)

CACHE_ROOT = Path(tempfile.gettempdir()) / "lanner-python-packages"
_STDERR_TAIL_LINES = 10
# One lock per cache folder, so that two tasks of this worker never install the same one twice.
_install_locks: dict[str, asyncio.Lock] = {}


@dataclass(frozen=True)
class InstalledPackages:
    """The installed packages of one script: their folder, or the command that installs them."""

    folder: Path | None = None
    commands: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def installed_packages(
    context: RunContext,
    packages: list[str],
    *,
    local: bool,
    cached: bool,
    package_manager: str,
    env: dict[str, str],
) -> AsyncIterator[InstalledPackages]:
    """Install `packages` for one script; the folder lasts until the context exits."""
    if not packages:
        yield InstalledPackages()
        return
    if not local:
        yield InstalledPackages(commands=[f"python -m pip install --quiet {shlex.join(packages)}"])
        return
    command_env = {**inherited_environment(), **env}
    installer = _installer(package_manager, command_env)
    if cached:
        yield InstalledPackages(folder=await _cached(context, packages, installer, command_env))
        return
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="lanner-packages-"))
    try:
        await _install(context, packages, installer, command_env, folder)
        yield InstalledPackages(folder=folder)
    finally:
        await asyncio.shield(asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True))


@dataclass(frozen=True)
class _Installer:
    argv: list[str]
    python: str

    def cache_key(self, packages: list[str]) -> str:
        """Name the cache folder of `packages` installed by this installer for this Python."""
        identity = [os.path.realpath(self.python), Path(self.argv[0]).name, packages]
        return hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()[:32]


def _installer(package_manager: str, env: dict[str, str]) -> _Installer:
    path = env.get("PATH", os.defpath)
    python = shutil.which("python3", path=path)
    if python is None:
        raise TaskFailure(
            "cannot install `dependencies`: no python3 on the PATH; install Python on the "
            "worker or set PATH in the task's `env`"
        )
    uv = shutil.which("uv", path=path)
    if package_manager == "UV" and uv is not None:
        return _Installer([uv, "pip", "install", "--quiet", "--python", python], python)
    return _Installer([python, "-m", "pip", "install", "--quiet", "--no-input"], python)


async def _cached(
    context: RunContext, packages: list[str], installer: _Installer, env: dict[str, str]
) -> Path:
    key = installer.cache_key(packages)
    folder = CACHE_ROOT / key
    lock = _install_locks.setdefault(key, asyncio.Lock())
    async with lock:
        if folder.is_dir():
            context.logger.debug(f"reusing the packages installed in {folder}")
            return folder
        await asyncio.to_thread(CACHE_ROOT.mkdir, parents=True, exist_ok=True)
        staging = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=".", dir=CACHE_ROOT))
        try:
            await _install(context, packages, installer, env, staging)
            # Renamed only once complete, so a folder of the cache is always usable. Another
            # worker process may have installed the same folder meanwhile: keep either.
            with contextlib.suppress(OSError):
                await asyncio.to_thread(os.rename, staging, folder)
        finally:
            await asyncio.to_thread(shutil.rmtree, staging, ignore_errors=True)
    return folder


async def _install(
    context: RunContext,
    packages: list[str],
    installer: _Installer,
    env: dict[str, str],
    folder: Path,
) -> None:
    errors: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)

    def on_line(line: str, stream: OutputStream) -> None:
        if stream is OutputStream.STDERR:
            errors.append(line)
        context.logger.debug(line)

    context.logger.info(f"installing {len(packages)} Python package(s): {', '.join(packages)}")
    argv = [*installer.argv, "--target", str(folder), *packages]
    code = await run_process(argv, folder, env, on_line, DEFAULT_GRACE_PERIOD)
    if code != 0:
        tail = "\n".join(f"  {line}" for line in errors)
        raise TaskFailure(
            f"installing `dependencies` failed with exit code {code}"
            + (f":\n{tail}" if tail else "")
        )
