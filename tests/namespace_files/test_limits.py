"""Download limits: CPU cores from affinity and cgroup quotas, and the default limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lanner.namespace_files import DownloadLimits, available_cpus
from lanner.namespace_files.limits import cgroup_cpu_quota, default_instance_limit


def cgroup_v2(tmp_path: Path, cpu_max: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for folder, text in cpu_max.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(text)
    proc = tmp_path / "proc_cgroup"
    proc.write_text("0::/system.slice/lanner.service\n")
    return root, proc


def test_v2_quota(tmp_path: Path) -> None:
    root, proc = cgroup_v2(tmp_path, {"system.slice/lanner.service": "150000 100000\n"})

    assert cgroup_cpu_quota(root, proc) == 1.5


def test_v2_unlimited(tmp_path: Path) -> None:
    root, proc = cgroup_v2(tmp_path, {"system.slice/lanner.service": "max 100000\n"})

    assert cgroup_cpu_quota(root, proc) is None


def test_v2_parent_quota(tmp_path: Path) -> None:
    root, proc = cgroup_v2(
        tmp_path,
        {"system.slice": "100000 100000\n", "system.slice/lanner.service": "max 100000\n"},
    )

    assert cgroup_cpu_quota(root, proc) == 1.0


def test_v2_root_cpu_max(tmp_path: Path) -> None:
    # Inside a container, the process's cgroup is the namespace root: /sys/fs/cgroup/cpu.max.
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cpu.max").write_text("300000 100000\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text("0::/\n")

    assert cgroup_cpu_quota(root, proc) == 3.0


def test_v1_quota(tmp_path: Path) -> None:
    folder = tmp_path / "cgroup" / "cpu,cpuacct" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("50000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n")

    assert cgroup_cpu_quota(tmp_path / "cgroup", proc) == 0.5


def test_v1_unlimited(tmp_path: Path) -> None:
    folder = tmp_path / "cgroup" / "cpu" / "x"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text("2:cpu:/x\n")

    assert cgroup_cpu_quota(tmp_path / "cgroup", proc) is None


def test_quota_caps_affinity(tmp_path: Path) -> None:
    root, proc = cgroup_v2(tmp_path, {"system.slice/lanner.service": "50000 100000\n"})

    assert available_cpus(root, proc) == 1


def test_affinity_without_quota(tmp_path: Path) -> None:
    root, proc = cgroup_v2(tmp_path, {})

    assert available_cpus(root, proc) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("cores", "limit"), [(1, 32), (2, 32), (8, 32), (9, 36), (64, 256)])
def test_default_instance_limit(cores: int, limit: int) -> None:
    assert default_instance_limit(cores) == limit


def test_per_task_default_half() -> None:
    limits = DownloadLimits.from_settings(instance=40, per_task=None)

    assert limits.per_task == 20


def test_settings_win() -> None:
    limits = DownloadLimits.from_settings(instance=10, per_task=7)

    assert (limits.instance, limits.per_task) == (10, 7)


def test_default_from_cores() -> None:
    limits = DownloadLimits.from_settings(None, None)

    assert limits.instance == max(32, 4 * available_cpus())
    assert limits.per_task == limits.instance // 2


def test_limits_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DownloadLimits(instance=0, per_task=1)
