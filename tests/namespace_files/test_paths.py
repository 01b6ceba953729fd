"""Normalising namespace file paths, and rejecting those that could leave the namespace."""

from __future__ import annotations

import pytest

from lanner.namespace_files.errors import InvalidNamespace, InvalidNamespaceFilePath
from lanner.namespace_files.paths import (
    check_namespace,
    normalize_file_path,
    normalize_path,
    parent_folders,
)


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("/", ""),
        ("", ""),
        (".", ""),
        ("/lib/a.py", "lib/a.py"),
        ("lib/a.py", "lib/a.py"),
        ("/lib/", "lib"),
        ("./lib/./a.py", "lib/a.py"),
        (" spaced /name ", " spaced /name "),
        ("back\\slash", "back\\slash"),
        ("...", "..."),
        ("..hidden", "..hidden"),
        ("a/.b", "a/.b"),
    ],
)
def test_normalize_path(written: str, normalized: str) -> None:
    assert normalize_path(written) == normalized


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("..", "'..'"),
        ("/../etc/passwd", "'..'"),
        ("lib/../../x", "'..'"),
        ("a//b", "empty path segments"),
        ("//etc/passwd", "empty path segments"),
        ("a/b//", "empty path segments"),
        ("a\x00b", "NUL"),
        ("bad\ud800name", "not valid Unicode"),
    ],
)
def test_invalid_path(written: str, reason: str) -> None:
    with pytest.raises(InvalidNamespaceFilePath) as raised:
        normalize_path(written)

    assert reason in str(raised.value)
    assert repr(written) in str(raised.value)


def test_file_path_not_root() -> None:
    with pytest.raises(InvalidNamespaceFilePath, match="root folder"):
        normalize_file_path("/")


def test_parent_folders() -> None:
    assert parent_folders("a/b/c.txt") == ["a", "a/b"]
    assert parent_folders("c.txt") == []


@pytest.mark.parametrize("namespace", ["company", "company.team", "a-b_c.d9"])
def test_valid_namespace(namespace: str) -> None:
    assert check_namespace(namespace) == namespace


@pytest.mark.parametrize("namespace", ["", "Company", ".team", "a/b", "a b", "x" * 151])
def test_invalid_namespace(namespace: str) -> None:
    with pytest.raises(InvalidNamespace, match="invalid namespace"):
        check_namespace(namespace)
