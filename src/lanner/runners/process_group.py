"""Stopping a process group: SIGTERM, a grace period, then SIGKILL.

Each command runs in a new session, so it leads its own process group and every process it
forks joins that group. Signalling the group reaches them all, background jobs included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

logger = logging.getLogger(__name__)

PROC = Path("/proc")
_POLL_SECONDS = 0.05
# How long to wait for the kernel to remove processes after SIGKILL.
_KILL_WAIT_SECONDS = 10.0


def group_members(group_id: int, proc: Path = PROC) -> list[int]:
    """List the live processes of a process group; zombies are dead and left out.

    Reads /proc where it exists. Elsewhere, returns `[group_id]` while any process of the group
    can still be signalled, zombies included.
    """
    if not proc.is_dir():
        return [group_id] if _signalable(group_id) else []
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # the process ended while the folder was listed
        # The command name is in parentheses and may contain spaces and ')', so the fields
        # are read after the last ')': state, parent pid, process group.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(group_id) and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def signal_group(group_id: int, sig: signal.Signals) -> None:
    # ProcessLookupError: every process of the group is gone already.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group_id, sig)


async def stop_group(group_id: int, grace_period: float) -> bool:
    """Stop every process of a group and wait until they are gone; return False if some stay.

    Sends SIGTERM, waits up to `grace_period` seconds, then sends SIGKILL to what is left.
    """
    if not group_members(group_id):
        return True
    signal_group(group_id, signal.SIGTERM)
    if await wait_group_gone(group_id, grace_period):
        return True
    logger.info("Process group %d outlived its grace period; sending SIGKILL", group_id)
    signal_group(group_id, signal.SIGKILL)
    if await wait_group_gone(group_id, _KILL_WAIT_SECONDS):
        return True
    logger.error(
        "Processes %s of process group %d are still alive after SIGKILL",
        group_members(group_id),
        group_id,
    )
    return False


async def wait_group_gone(group_id: int, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while group_members(group_id):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(_POLL_SECONDS)
    return True


def _signalable(group_id: int) -> bool:
    try:
        os.killpg(group_id, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
