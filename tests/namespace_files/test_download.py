"""Parallel download of namespace files into a working directory."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from lanner.namespace_files import (
    ContentCache,
    DownloadLimits,
    DownloadRequest,
    IfExists,
    InvalidGlobPattern,
    InvalidNamespace,
    InvalidNamespaceFilePath,
    NamespaceFileDownloader,
)
from lanner.namespace_files.download import DestinationExists
from lanner.namespace_files.keys import file_key
from lanner.storage import Storage
from lanner.worker.context import TaskLogger, TaskLogRecord
from tests.storage.s3_server import S3TestServer

NS = "company.team"
FILES = {
    "lib/a.py": b"a = 1\n",
    "lib/sub/b.py": b"b = 2\n",
    "top.py": b"print('top')\n",
    "other/lib/c.py": b"c = 3\n",
    "liberty.txt": b"freedom\n",
    ".hidden/cfg": b"secret=no\n",
}


async def seed(storage: Storage, files: dict[str, bytes], namespace: str = NS) -> None:
    """Store namespace files straight into storage, many at a time."""
    limit = asyncio.Semaphore(16)

    async def put(path: str, data: bytes) -> None:
        async with limit:
            await storage.put(file_key(namespace, path), data)

    await asyncio.gather(*(put(path, data) for path, data in files.items()))


def tree(root: Path) -> dict[str, bytes]:
    """Return every file below root with its content, by path relative to root."""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def downloader(
    storage: Storage, instance: int = 32, per_task: int = 16, cache: bool = True
) -> NamespaceFileDownloader:
    limits = DownloadLimits(instance=instance, per_task=per_task)
    content_cache = ContentCache(64 * 1024 * 1024) if cache else None
    return NamespaceFileDownloader(storage, limits, content_cache)


async def test_include_folder_any_depth(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, FILES)

    report = await downloader(storage).download(
        DownloadRequest([NS], include=["lib/**"]), tmp_path / "work"
    )

    assert tree(tmp_path / "work") == {
        "lib/a.py": b"a = 1\n",
        "lib/sub/b.py": b"b = 2\n",
        "other/lib/c.py": b"c = 3\n",
    }
    assert len(report.files) == 3


async def test_anchored_include_with_exclude(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, FILES)

    await downloader(storage).download(
        DownloadRequest([NS], include=["/lib/**"], exclude=["**/sub/**"]), tmp_path / "work"
    )

    assert tree(tmp_path / "work") == {"lib/a.py": b"a = 1\n"}


async def test_everything_without_include(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, FILES)

    await downloader(storage).download(DownloadRequest([NS]), tmp_path / "work")

    assert tree(tmp_path / "work") == FILES


async def test_pattern_matching_nothing(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, FILES)

    report = await downloader(storage).download(
        DownloadRequest([NS], include=["nothing/**"]), tmp_path / "work"
    )

    assert report.files == []
    assert tree(tmp_path / "work") == {}


async def test_empty_namespace(storage: Storage, tmp_path: Path) -> None:
    report = await downloader(storage).download(DownloadRequest([NS]), tmp_path / "work")

    assert report.files == []


async def test_many_files_arrive(storage: Storage, tmp_path: Path) -> None:
    files = {f"dir{index % 25}/file{index:04d}.txt": f"{index}\n".encode() for index in range(2490)}
    files.update({f"empty/e{index}.txt": b"" for index in range(10)})
    await seed(storage, files)

    report = await downloader(storage).download(DownloadRequest([NS]), tmp_path / "work")

    assert len(report.files) == 2500
    assert tree(tmp_path / "work") == files
    sizes = {path: (tmp_path / "work" / path).stat().st_size for path in files}
    assert [path for path, size in sizes.items() if size == 0] == sorted(
        f"empty/e{index}.txt" for index in range(10)
    )


async def test_later_namespace_wins(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"shared.py": b"from parent", "parent.py": b"p"}, "company")
    await seed(storage, {"shared.py": b"from team", "team.py": b"t"}, NS)

    await downloader(storage).download(DownloadRequest(["company", NS]), tmp_path / "work")

    assert tree(tmp_path / "work") == {
        "shared.py": b"from team",
        "parent.py": b"p",
        "team.py": b"t",
    }


async def test_folder_per_namespace(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"shared.py": b"from parent"}, "company")
    await seed(storage, {"shared.py": b"from team"}, NS)

    await downloader(storage).download(
        DownloadRequest(["company", NS], folder_per_namespace=True), tmp_path / "work"
    )

    assert tree(tmp_path / "work") == {
        "company/shared.py": b"from parent",
        f"{NS}/shared.py": b"from team",
    }


async def test_hard_names_arrive(storage: Storage, tmp_path: Path) -> None:
    files = {
        " spaced /a b.txt": b"1",
        "plus+percent%/hash#q?.txt": b"2",
        "quote'\"back\\slash": b"3",
        "café/é\u0301.txt": b"4",
        "😀/🚀": b"5",
    }
    await seed(storage, files)

    await downloader(storage).download(DownloadRequest([NS]), tmp_path / "work")

    assert tree(tmp_path / "work") == files


@pytest.mark.parametrize("mode", [IfExists.OVERWRITE, IfExists.WARN, IfExists.IGNORE])
async def test_if_exists(storage: Storage, tmp_path: Path, mode: IfExists) -> None:
    await seed(storage, {"a.txt": b"new", "b.txt": b"new"})
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").write_bytes(b"old")
    records: list[TaskLogRecord] = []

    report = await downloader(storage).download(
        DownloadRequest([NS], if_exists=mode), work, TaskLogger(records.append)
    )

    expected = b"new" if mode is IfExists.OVERWRITE else b"old"
    assert (work / "a.txt").read_bytes() == expected
    assert (work / "b.txt").read_bytes() == b"new"
    warnings = [record.message for record in records if record.level == "WARN"]
    if mode is IfExists.WARN:
        assert report.kept == [work.resolve() / "a.txt"]
        assert len(warnings) == 1
        assert "a.txt" in warnings[0]
    else:
        assert warnings == []


async def test_if_exists_fail(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"a.txt": b"new", "b.txt": b"new"})
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").write_bytes(b"old")

    with pytest.raises(DestinationExists, match=r"a\.txt"):
        await downloader(storage).download(DownloadRequest([NS], if_exists=IfExists.FAIL), work)

    assert tree(work) == {"a.txt": b"old"}


async def test_symlinked_folder_rejected(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"lib/a.py": b"payload"})
    outside = tmp_path / "outside"
    outside.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "lib").symlink_to(outside)

    with pytest.raises(InvalidNamespaceFilePath, match="symbolic link"):
        await downloader(storage).download(DownloadRequest([NS]), work)

    assert list(outside.iterdir()) == []


async def test_symlinked_file_rejected(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"a.txt": b"payload"})
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"untouched")
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").symlink_to(outside)

    with pytest.raises(InvalidNamespaceFilePath, match="symbolic link"):
        await downloader(storage).download(DownloadRequest([NS]), work)

    assert outside.read_bytes() == b"untouched"


async def test_file_where_folder_needed(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {"lib/a.py": b"x"})
    work = tmp_path / "work"
    work.mkdir()
    (work / "lib").write_bytes(b"a file")

    with pytest.raises(InvalidNamespaceFilePath, match="not a folder"):
        await downloader(storage).download(DownloadRequest([NS]), work)


async def test_invalid_namespace(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(InvalidNamespace):
        await downloader(storage).download(DownloadRequest(["../etc"]), tmp_path / "work")


async def test_invalid_glob(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(InvalidGlobPattern):
        await downloader(storage).download(DownloadRequest([NS], include=["[x"]), tmp_path)


async def test_cache_skips_unchanged(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {f"f{index}.txt": b"v1" for index in range(20)})
    shared = downloader(storage)

    first = await shared.download(DownloadRequest([NS]), tmp_path / "one")
    await seed(storage, {"f3.txt": b"v2 changed"})
    second = await shared.download(DownloadRequest([NS]), tmp_path / "two")

    assert first.from_storage == 20
    assert second.from_storage == 1
    assert second.from_cache == 19
    assert (tmp_path / "two" / "f3.txt").read_bytes() == b"v2 changed"
    assert tree(tmp_path / "two") == {**tree(tmp_path / "one"), "f3.txt": b"v2 changed"}


async def test_cache_turned_off(storage: Storage, tmp_path: Path) -> None:
    await seed(storage, {f"f{index}.txt": b"v1" for index in range(5)})
    shared = downloader(storage, cache=False)

    await shared.download(DownloadRequest([NS]), tmp_path / "one")
    second = await shared.download(DownloadRequest([NS]), tmp_path / "two")

    assert second.from_storage == 5
    assert second.from_cache == 0


# The tests below count the GET requests that reach the S3 server.


async def test_cache_avoids_requests(
    s3_storage: Storage, s3_server: S3TestServer, tmp_path: Path
) -> None:
    await seed(s3_storage, {f"f{index}.txt": b"data" for index in range(30)})
    shared = downloader(s3_storage)
    await shared.download(DownloadRequest([NS]), tmp_path / "one")
    downloads_before = s3_server.gauge.total

    await shared.download(DownloadRequest([NS]), tmp_path / "two")

    assert downloads_before == 30
    assert s3_server.gauge.total == 30
    assert tree(tmp_path / "two") == tree(tmp_path / "one")


async def test_same_file_downloaded_once(
    s3_storage: Storage, s3_server: S3TestServer, tmp_path: Path
) -> None:
    await seed(s3_storage, {f"f{index}.txt": b"data" for index in range(20)})
    s3_server.gauge.reset(hold_seconds=0.05)
    shared = downloader(s3_storage)

    reports = await asyncio.gather(
        shared.download(DownloadRequest([NS]), tmp_path / "one"),
        shared.download(DownloadRequest([NS]), tmp_path / "two"),
    )

    assert s3_server.gauge.total == 20
    assert sorted(s3_server.gauge.keys) == sorted(set(s3_server.gauge.keys))
    assert [len(report.files) for report in reports] == [20, 20]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


async def test_per_task_limit(
    s3_storage: Storage, s3_server: S3TestServer, tmp_path: Path
) -> None:
    await seed(s3_storage, {f"f{index}.txt": b"data" for index in range(24)})
    s3_server.gauge.reset(hold_seconds=0.05)

    await downloader(s3_storage, instance=8, per_task=3).download(
        DownloadRequest([NS]), tmp_path / "work"
    )

    assert s3_server.gauge.total == 24
    assert s3_server.gauge.max_in_flight == 3


async def test_instance_limit_shared(
    s3_storage: Storage, s3_server: S3TestServer, tmp_path: Path
) -> None:
    namespaces = ["team.one", "team.two", "team.three"]
    for namespace in namespaces:
        await seed(s3_storage, {f"f{index}.txt": b"data" for index in range(16)}, namespace)
    s3_server.gauge.reset(hold_seconds=0.05)
    shared = downloader(s3_storage, instance=5, per_task=4)

    await asyncio.gather(
        *(
            shared.download(DownloadRequest([namespace]), tmp_path / namespace)
            for namespace in namespaces
        )
    )

    assert s3_server.gauge.total == 48
    assert s3_server.gauge.max_in_flight == 5
