"""How many namespace file downloads may run at once, per worker process and per task.

Every task of a worker process shares the instance-wide limit, so the network is never
flooded. The per-task limit keeps one task with thousands of files from starving the others.
Both default from the CPU cores the process may use: its CPU affinity, capped by the cgroup
CPU quota of its container, not the host's core count.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def available_cpus(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """Return how many CPU cores this process may use: affinity, capped by the CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # sched_getaffinity exists on Linux only
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def cgroup_cpu_quota(
    cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP
) -> float | None:
    """Return the CPU quota of this process's cgroup in cores, or None when unlimited.

    cgroup v2 keeps `quota period` in `cpu.max` (`max` means unlimited); cgroup v1 keeps them in
    `cpu.cfs_quota_us` and `cpu.cfs_period_us` (-1 means unlimited). A quota set on a parent
    cgroup applies too, so the smallest one on the way to the root wins.
    """
    quotas = [
        quota
        for folder in _cgroup_folders(cgroup_root, proc_cgroup)
        if (quota := _read_quota(folder)) is not None
    ]
    return min(quotas) if quotas else None


def default_instance_limit(cores: int | None = None) -> int:
    """Return `max(32, 4 * cores)`: downloads wait on the network far more than on the CPU."""
    return max(32, 4 * (cores if cores is not None else available_cpus()))


@dataclass
class DownloadLimits:
    """The two download limits; one object is shared by every task of a worker process."""

    instance: int
    per_task: int
    _slots: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.instance < 1 or self.per_task < 1:
            raise ValueError(
                f"download limits must be at least 1, got instance={self.instance} and "
                f"per_task={self.per_task}"
            )
        self._slots = asyncio.Semaphore(self.instance)

    @classmethod
    def from_settings(cls, instance: int | None, per_task: int | None) -> DownloadLimits:
        """Build the limits from settings, where None means the default."""
        instance = instance if instance is not None else default_instance_limit()
        per_task = per_task if per_task is not None else max(1, instance // 2)
        return cls(instance=instance, per_task=per_task)

    @property
    def slots(self) -> asyncio.Semaphore:
        """The instance-wide slots; hold one for each download in flight."""
        return self._slots


def _cgroup_folders(cgroup_root: Path, proc_cgroup: Path) -> list[Path]:
    """List the cgroup folders with CPU settings of this process and of each ancestor."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return [cgroup_root]
    folders = []
    for line in lines:
        hierarchy_id, controllers, path = [*line.split(":", 2), "", ""][:3]
        if hierarchy_id == "0" and controllers == "":
            base = cgroup_root  # cgroup v2: one unified hierarchy
        elif "cpu" in controllers.split(","):
            base = cgroup_root / controllers  # cgroup v1: the cpu controller's hierarchy
            if not base.exists():
                base = cgroup_root / "cpu"
        else:
            continue
        relative = Path(path.lstrip("/"))
        folders += [base / ancestor for ancestor in [relative, *relative.parents]]
    return folders


def _read_quota(folder: Path) -> float | None:
    try:
        text = (folder / "cpu.max").read_text(encoding="ascii").split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text(encoding="ascii"))
        period = int((folder / "cpu.cfs_period_us").read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
