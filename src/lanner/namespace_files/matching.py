"""Which namespace files `include` and `exclude` glob patterns select, by Kestra's rules.

A pattern is matched against the whole path with a leading `/` (`/lib/a.py`):

- a pattern starting with a word character (a letter, digit or `_`) may match at any depth, as
  if written `**/pattern`: `lib/**` selects `/lib/a.py` and `/other/lib/c.py`;
- any other pattern is matched from the root as written: `/lib/**` selects only `/lib/...`.
  So does `*.py`, which can never match because `*` cannot match the leading `/`; write
  `**.py` or `**/*.py` for Python files at any depth;
- `*` matches within one segment, `**` across segments, `?` one character of a segment,
  `[abc]`, `[a-z]` and `[!abc]` one character from a set, `{a,b}` either alternative, and `\\`
  makes the next character literal;
- matching is case-sensitive, and dots are ordinary characters (`**` selects dotfiles).

As in Java's `PathMatcher`, a `glob:` prefix takes the rest as a glob written from the root,
with no `**/` added, and a `regex:` prefix a regular expression that must match the whole path:
`regex:.*/x\\.txt` selects `/re/x.txt`.

A file is selected when it matches an include pattern (every file when there is none) and no
exclude pattern. A pattern that matches nothing is not an error.

Kestra reads "word character" as ASCII only, so there a pattern starting with `é` can never
match. Here it matches at any depth, like one starting with `e`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lanner.namespace_files.errors import NamespaceFileError

GLOB_PREFIX = "glob:"
REGEX_PREFIX = "regex:"


class InvalidGlobPattern(NamespaceFileError):
    """A glob pattern cannot be parsed, such as one with an unclosed `[` or `{`."""


class PathMatcher:
    """Tell whether a normalised namespace file path is selected by include/exclude patterns."""

    def __init__(
        self, include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
    ) -> None:
        self.include = _compile(include or [])
        self.exclude = _compile(exclude or [])

    def matches(self, path: str) -> bool:
        rooted = "/" + path
        if self.include is not None and not self.include.fullmatch(rooted):
            return False
        return self.exclude is None or not self.exclude.fullmatch(rooted)

    def select(self, paths: Iterable[str]) -> list[str]:
        return [path for path in paths if self.matches(path)]


def glob_to_regex(pattern: str) -> str:
    """Translate one include or exclude pattern into a regular expression over `/`-rooted paths."""
    if pattern.startswith(REGEX_PREFIX):
        regex = pattern[len(REGEX_PREFIX) :]
    elif pattern.startswith(GLOB_PREFIX):
        regex = _Translator(pattern[len(GLOB_PREFIX) :], pattern).translate()
    else:
        written = "**/" + pattern if _starts_with_word(pattern) else pattern
        regex = _Translator(written, pattern).translate()
    try:
        re.compile(regex)
    except re.error as error:
        raise InvalidGlobPattern(f"invalid pattern {pattern!r}: {error}") from error
    return regex


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{glob_to_regex(pattern)})" for pattern in patterns), re.S)


def _starts_with_word(pattern: str) -> bool:
    return bool(pattern) and (pattern[0].isalnum() or pattern[0] == "_")


class _Translator:
    def __init__(self, pattern: str, written: str) -> None:
        self.pattern = pattern
        self.written = written
        self.position = 0
        self.in_group = False

    def translate(self) -> str:
        parts = []
        while self.position < len(self.pattern):
            parts.append(self._next())
        if self.in_group:
            raise self._invalid("'{' is not closed by '}'")
        return "".join(parts)

    def _next(self) -> str:
        character = self.pattern[self.position]
        self.position += 1
        if character == "*":
            if self._peek() == "*":
                self.position += 1
                return ".*"
            return "[^/]*"
        if character == "?":
            return "[^/]"
        if character == "[":
            return self._bracket()
        if character == "{":
            if self.in_group:
                raise self._invalid("'{' groups cannot be nested")
            self.in_group = True
            return "(?:"
        if character == "}" and self.in_group:
            self.in_group = False
            return ")"
        if character == "," and self.in_group:
            return "|"
        if character == "\\":
            if self.position >= len(self.pattern):
                raise self._invalid("'\\' at the end escapes nothing")
            character = self.pattern[self.position]
            self.position += 1
        return re.escape(character)

    def _peek(self) -> str:
        return self.pattern[self.position] if self.position < len(self.pattern) else ""

    def _bracket(self) -> str:
        end = self.pattern.find("]", self.position + 1)
        if end < 0:
            raise self._invalid("'[' is not closed by ']'")
        body = self.pattern[self.position : end]
        self.position = end + 1
        negated = body.startswith("!")
        if negated:
            body = body[1:]
        if not body:
            raise self._invalid("'[]' lists no character")
        members = "".join(_bracket_member(character) for character in body)
        # A set never matches the segment separator.
        return f"[^/{members}]" if negated else f"(?![/])[{members}]"

    def _invalid(self, reason: str) -> InvalidGlobPattern:
        return InvalidGlobPattern(f"invalid glob pattern {self.written!r}: {reason}")


def _bracket_member(character: str) -> str:
    # `-` keeps its range meaning; everything else is literal inside the set.
    return character if character == "-" else re.escape(character)
