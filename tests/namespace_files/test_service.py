"""Namespace files on both storages: list, stat, read, write, move and delete."""

from __future__ import annotations

import unicodedata

import pytest

from lanner.namespace_files import (
    EntryType,
    InvalidNamespaceFilePath,
    NamespaceFileConflict,
    NamespaceFileNotFound,
    NamespaceFiles,
)

NS = "company.team"


async def write_all(files: NamespaceFiles, paths: list[str], namespace: str = NS) -> None:
    for path in paths:
        await files.write(namespace, path, f"content of {path}".encode())


async def test_write_then_read(files: NamespaceFiles) -> None:
    entry = await files.write(NS, "/scripts/main.py", b"print('hi')")

    assert entry.path == "scripts/main.py"
    assert entry.type is EntryType.FILE
    assert entry.size == 11
    assert entry.version
    assert await files.read(NS, "scripts/main.py") == b"print('hi')"
    assert await files.read(NS, "/scripts/./main.py") == b"print('hi')"


async def test_list_root(files: NamespaceFiles) -> None:
    await write_all(files, ["a.txt", "lib/b.py", "lib/sub/c.py"])

    entries = await files.list(NS, "/")

    assert [(entry.path, entry.type) for entry in entries] == [
        ("a.txt", EntryType.FILE),
        ("lib", EntryType.DIRECTORY),
    ]


async def test_list_folder(files: NamespaceFiles) -> None:
    await write_all(files, ["a.txt", "lib/b.py", "lib/sub/c.py"])

    entries = await files.list(NS, "/lib")

    assert [(entry.path, entry.type) for entry in entries] == [
        ("lib/b.py", EntryType.FILE),
        ("lib/sub", EntryType.DIRECTORY),
    ]


async def test_list_recursive(files: NamespaceFiles) -> None:
    await write_all(files, ["a.txt", "lib/b.py", "lib/sub/c.py"])

    entries = await files.list(NS, "/", recursive=True)

    assert [(entry.path, entry.type) for entry in entries] == [
        ("a.txt", EntryType.FILE),
        ("lib", EntryType.DIRECTORY),
        ("lib/b.py", EntryType.FILE),
        ("lib/sub", EntryType.DIRECTORY),
        ("lib/sub/c.py", EntryType.FILE),
    ]


async def test_list_entries_described(files: NamespaceFiles) -> None:
    await files.write(NS, "one.txt", b"1")
    await files.write(NS, "three.txt", b"333")

    entries = {entry.path: entry for entry in await files.list(NS)}

    assert entries["one.txt"].size == 1
    assert entries["three.txt"].size == 3
    assert all(entry.updated is not None for entry in entries.values())
    assert entries["one.txt"].version != entries["three.txt"].version


async def test_list_empty_namespace(files: NamespaceFiles) -> None:
    assert await files.list(NS, "/") == []


async def test_list_missing_folder(files: NamespaceFiles) -> None:
    with pytest.raises(NamespaceFileNotFound, match="/nothing"):
        await files.list(NS, "/nothing")


async def test_list_a_file(files: NamespaceFiles) -> None:
    await files.write(NS, "a.txt", b"x")

    with pytest.raises(InvalidNamespaceFilePath, match="not a folder"):
        await files.list(NS, "a.txt")


async def test_list_over_a_page(files: NamespaceFiles) -> None:
    paths = [f"many/f{index:04d}.txt" for index in range(1001)]
    for path in paths:
        await files.storage.put(_key(path), b"")

    entries = await files.list(NS, "/many")

    assert [entry.path for entry in entries] == paths


async def test_namespaces_apart(files: NamespaceFiles) -> None:
    await files.write("company", "team/x.txt", b"parent")
    await files.write("company.team", "x.txt", b"child")

    assert await files.read("company", "team/x.txt") == b"parent"
    assert await files.read("company.team", "x.txt") == b"child"
    assert [entry.path for entry in await files.list("company", recursive=True)] == [
        "team",
        "team/x.txt",
    ]
    assert [entry.path for entry in await files.list("company.team")] == ["x.txt"]


async def test_stat_file(files: NamespaceFiles) -> None:
    written = await files.write(NS, "d/f.txt", b"12345")

    entry = await files.stat(NS, "/d/f.txt")

    assert entry.type is EntryType.FILE
    assert entry.size == 5
    assert entry.version == written.version
    assert entry.updated is not None


async def test_stat_folder(files: NamespaceFiles) -> None:
    await files.write(NS, "d/e/f.txt", b"x")

    assert (await files.stat(NS, "/d")).type is EntryType.DIRECTORY
    assert (await files.stat(NS, "d/e/")).type is EntryType.DIRECTORY
    assert (await files.stat(NS, "/")).type is EntryType.DIRECTORY


async def test_stat_missing(files: NamespaceFiles) -> None:
    with pytest.raises(NamespaceFileNotFound, match=r"company\.team"):
        await files.stat(NS, "missing.txt")


async def test_read_missing(files: NamespaceFiles) -> None:
    with pytest.raises(NamespaceFileNotFound, match=r"/missing\.txt"):
        await files.read(NS, "missing.txt")


async def test_read_folder(files: NamespaceFiles) -> None:
    await files.write(NS, "d/f.txt", b"x")

    with pytest.raises(InvalidNamespaceFilePath, match="is a folder"):
        await files.read(NS, "d")


async def test_overwrite_changes_version(files: NamespaceFiles) -> None:
    first = await files.write(NS, "f.txt", b"aaaa")
    second = await files.write(NS, "f.txt", b"bbbb")

    assert first.version != second.version
    assert await files.read(NS, "f.txt") == b"bbbb"


async def test_empty_file(files: NamespaceFiles) -> None:
    await files.write(NS, "empty.txt", b"")

    assert await files.read(NS, "empty.txt") == b""
    assert (await files.stat(NS, "empty.txt")).size == 0


async def test_write_under_file(files: NamespaceFiles) -> None:
    await files.write(NS, "a", b"file")

    with pytest.raises(NamespaceFileConflict, match="'/a' is a file"):
        await files.write(NS, "a/b.txt", b"x")


async def test_write_over_folder(files: NamespaceFiles) -> None:
    await files.write(NS, "a/b.txt", b"x")

    with pytest.raises(NamespaceFileConflict, match="folder"):
        await files.write(NS, "a", b"file")


@pytest.mark.parametrize("path", ["../x", "a//b", "a\x00b", "/"])
async def test_write_invalid_path(files: NamespaceFiles, path: str) -> None:
    with pytest.raises(InvalidNamespaceFilePath):
        await files.write(NS, path, b"x")


async def test_move_file(files: NamespaceFiles) -> None:
    await files.write(NS, "a.txt", b"A")

    moved = await files.move(NS, "/a.txt", "/dir/b.txt")

    assert moved == 1
    assert await files.read(NS, "dir/b.txt") == b"A"
    with pytest.raises(NamespaceFileNotFound):
        await files.stat(NS, "a.txt")


async def test_move_folder(files: NamespaceFiles) -> None:
    await write_all(files, ["src/a.py", "src/sub/b.py", "srcx/c.py"])

    moved = await files.move(NS, "/src", "/lib")

    assert moved == 2
    paths = [entry.path for entry in await files.files(NS)]
    assert paths == ["lib/a.py", "lib/sub/b.py", "srcx/c.py"]


async def test_move_onto_existing(files: NamespaceFiles) -> None:
    await write_all(files, ["a.txt", "b.txt"])

    with pytest.raises(NamespaceFileConflict, match="already exists"):
        await files.move(NS, "a.txt", "b.txt")

    assert await files.read(NS, "a.txt") == b"content of a.txt"


async def test_move_into_itself(files: NamespaceFiles) -> None:
    await write_all(files, ["d/a.txt"])

    with pytest.raises(NamespaceFileConflict, match="into itself"):
        await files.move(NS, "d", "d/e")


async def test_move_missing(files: NamespaceFiles) -> None:
    with pytest.raises(NamespaceFileNotFound):
        await files.move(NS, "nothing", "other")


async def test_delete_file(files: NamespaceFiles) -> None:
    await write_all(files, ["a.txt", "b.txt"])

    assert await files.delete(NS, "/a.txt") == 1
    assert [entry.path for entry in await files.files(NS)] == ["b.txt"]


async def test_delete_folder(files: NamespaceFiles) -> None:
    await write_all(files, ["d/a.txt", "d/e/b.txt", "dx.txt"])

    assert await files.delete(NS, "/d") == 2
    assert [entry.path for entry in await files.files(NS)] == ["dx.txt"]


async def test_delete_missing(files: NamespaceFiles) -> None:
    with pytest.raises(NamespaceFileNotFound):
        await files.delete(NS, "nothing")


async def test_delete_root(files: NamespaceFiles) -> None:
    with pytest.raises(InvalidNamespaceFilePath, match="root folder"):
        await files.delete(NS, "/")


HARD_NAMES = [
    "with space.txt",
    " leading and trailing ",
    "plus+sign",
    "100%",
    "%41",
    "hash#",
    "question?",
    "amp&equals=",
    "single'quote",
    'double"quote',
    "back\\slash",
    unicodedata.normalize("NFC", "café.md"),
    unicodedata.normalize("NFD", "café.md"),
    "emoji 😀🚀.txt",
    "README.md",
    "readme.md",
    ".hidden",
    "..dots",
    "x.tmp",
    ".x.tmp",
    "~tilde~",
    "long-" + "n" * 240,
    "日本語のファイル名",
]


async def test_hard_names_round_trip(files: NamespaceFiles) -> None:
    for index, name in enumerate(HARD_NAMES):
        await files.write(NS, f"/hard/{name}", str(index).encode())

    listed = [entry.path for entry in await files.list(NS, "/hard")]

    assert sorted(listed) == sorted(f"hard/{name}" for name in HARD_NAMES)
    for index, name in enumerate(HARD_NAMES):
        assert await files.read(NS, f"hard/{name}") == str(index).encode()
        assert (await files.stat(NS, f"hard/{name}")).size == len(str(index))


async def test_hard_names_move_and_delete(files: NamespaceFiles) -> None:
    for name in HARD_NAMES:
        await files.write(NS, f"in/{name}", name.encode())

    for name in HARD_NAMES:
        await files.move(NS, f"in/{name}", f"out/{name}/{name}")

    listed = [entry.path for entry in await files.files(NS)]
    assert sorted(listed) == sorted(f"out/{name}/{name}" for name in HARD_NAMES)
    for name in HARD_NAMES:
        assert await files.read(NS, f"out/{name}/{name}") == name.encode()
        assert await files.delete(NS, f"out/{name}") == 1
    assert await files.files(NS) == []


async def test_hard_folder_names(files: NamespaceFiles) -> None:
    folders = ["a b", "a+b", "a%20b", "a'b", "ä", "a\u0308"]
    for folder in folders:
        await files.write(NS, f"{folder}/file", folder.encode())

    for folder in folders:
        entries = await files.list(NS, folder)
        assert [entry.path for entry in entries] == [f"{folder}/file"]
        assert await files.read(NS, f"{folder}/file") == folder.encode()


def _key(path: str) -> str:
    from lanner.namespace_files.keys import file_key

    return file_key(NS, path)
