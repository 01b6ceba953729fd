"""Include and exclude glob patterns select namespace files by Kestra's rules."""

from __future__ import annotations

import unicodedata

import pytest

from lanner.namespace_files import InvalidGlobPattern, PathMatcher

FILES = ["lib/a.py", "lib/sub/b.py", "top.py", "other/lib/c.py", "liberty.txt", ".hidden/cfg"]


def select(
    include: list[str] | None, exclude: list[str] | None = None, files: list[str] = FILES
) -> set[str]:
    return set(PathMatcher(include, exclude).select(files))


def test_folder_at_any_depth() -> None:
    assert select(["lib/**"]) == {"lib/a.py", "lib/sub/b.py", "other/lib/c.py"}


def test_anchored_with_exclude() -> None:
    assert select(["/lib/**"], ["**/sub/**"]) == {"lib/a.py"}


def test_no_include_selects_all() -> None:
    assert select(None) == set(FILES)


def test_empty_include_selects_all() -> None:
    assert select([]) == set(FILES)


def test_exclude_without_include() -> None:
    assert select(None, ["**.py"]) == {"liberty.txt", ".hidden/cfg"}


def test_exclude_wins() -> None:
    assert select(["**.py"], ["lib/**"]) == {"top.py"}


def test_matching_nothing() -> None:
    assert select(["nothing/**"]) == set()
    assert select(None, ["nothing/**"]) == set(FILES)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # `*` stays within a segment, `**` crosses them.
        ("/lib/*", {"lib/a.py"}),
        ("/lib/**", {"lib/a.py", "lib/sub/b.py"}),
        ("/*/*.py", {"lib/a.py"}),
        ("/**/*.py", {"lib/a.py", "lib/sub/b.py", "other/lib/c.py"}),
        ("**/*.py", {"lib/a.py", "lib/sub/b.py", "top.py", "other/lib/c.py"}),
        ("**.py", {"lib/a.py", "lib/sub/b.py", "top.py", "other/lib/c.py"}),
        # A pattern starting with `*` is not moved to any depth, and `*` cannot match the
        # leading `/`: it matches nothing, as in Kestra.
        ("*.py", set()),
        # A word-character start matches at any depth; `/` anchors at the root.
        ("top.py", {"top.py"}),
        ("/top.py", {"top.py"}),
        ("a.py", {"lib/a.py"}),
        ("/a.py", set()),
        ("lib/*.py", {"lib/a.py", "other/lib/c.py"}),
        ("/lib/*.py", {"lib/a.py"}),
        # A bare folder name names a file of that name, not the folder's contents.
        ("lib", set()),
        ("sub", set()),
        # A trailing `/**` selects a folder's contents.
        ("sub/**", {"lib/sub/b.py"}),
        ("lib*", {"liberty.txt"}),
        ("lib*/**", {"lib/a.py", "lib/sub/b.py", "other/lib/c.py"}),
        # Dotfiles are ordinary names; a pattern starting with `.` is anchored at the root.
        ("**/cfg", {".hidden/cfg"}),
        ("/.hidden/**", {".hidden/cfg"}),
        (".hidden/**", set()),
        ("**/.hidden/**", {".hidden/cfg"}),
        # Other glob syntax.
        ("/lib/?.py", {"lib/a.py"}),
        ("**/[ab].py", {"lib/a.py", "lib/sub/b.py"}),
        ("**/[!ab].py", {"other/lib/c.py"}),
        ("**/{a,c}.py", {"lib/a.py", "other/lib/c.py"}),
        ("/{top,liberty}.*", {"top.py", "liberty.txt"}),
    ],
)
def test_glob_family(pattern: str, expected: set[str]) -> None:
    assert select([pattern]) == expected


def test_case_sensitive() -> None:
    files = ["Data/A.csv", "data/a.csv"]

    assert select(["data/**"], files=files) == {"data/a.csv"}
    assert select(["Data/**"], files=files) == {"Data/A.csv"}
    assert select(["**/a.csv"], files=files) == {"data/a.csv"}


def test_spaces_and_unicode() -> None:
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    files = ["my folder/a b.txt", f"{nfc}/menu.txt", f"{nfd}/menu.txt", "été.txt", "x/été.txt"]

    assert select(["my folder/**"], files=files) == {"my folder/a b.txt"}
    assert select(["**/a b.txt"], files=files) == {"my folder/a b.txt"}
    assert select([f"{nfc}/**"], files=files) == {f"{nfc}/menu.txt"}
    assert select([f"{nfd}/**"], files=files) == {f"{nfd}/menu.txt"}
    assert select(["été.txt"], files=files) == {"été.txt", "x/été.txt"}


def test_special_characters_literal() -> None:
    files = ["a+b.txt", "a(b).txt", "a$b.txt", "a.b", "axb"]

    assert select(["a+b.txt"], files=files) == {"a+b.txt"}
    assert select(["a(b).txt"], files=files) == {"a(b).txt"}
    assert select(["a$b.txt"], files=files) == {"a$b.txt"}
    assert select(["a.b"], files=files) == {"a.b"}


def test_escaped_metacharacter() -> None:
    files = ["star*.txt", "starry.txt"]

    assert select(["star\\*.txt"], files=files) == {"star*.txt"}
    assert select(["star*.txt"], files=files) == {"star*.txt", "starry.txt"}


@pytest.mark.parametrize("pattern", ["[abc", "{a,b", "{a,{b}}", "trailing\\", "[z-a]"])
def test_invalid_pattern(pattern: str) -> None:
    with pytest.raises(InvalidGlobPattern) as raised:
        PathMatcher([pattern])

    assert repr(pattern) in str(raised.value)


def test_glob_prefix_anchored_at_root() -> None:
    # With `glob:`, no `**/` is added, so `lib/**` cannot match the rooted paths.
    assert select(["glob:lib/**"]) == set()
    assert select(["glob:/lib/**"]) == {"lib/a.py", "lib/sub/b.py"}


def test_regex_prefix_whole_path() -> None:
    assert select(["regex:.*/[a-c]\\.py"]) == {"lib/a.py", "lib/sub/b.py", "other/lib/c.py"}
    assert select(["regex:[a-c]\\.py"]) == set()


def test_regex_prefix_in_exclude() -> None:
    assert select(["**.py"], ["regex:/lib/.*"]) == {"top.py", "other/lib/c.py"}


def test_invalid_regex_pattern() -> None:
    with pytest.raises(InvalidGlobPattern) as raised:
        PathMatcher(["regex:(unclosed"])

    assert "'regex:(unclosed'" in str(raised.value)
