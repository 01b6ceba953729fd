"""Namespace file paths: how a path written by a user becomes the normalised form.

A path is relative to its namespace's root folder, and a leading `/` names that root, so
`/lib/a.py` and `lib/a.py` are the same file. Only `/` separates segments. Every other
character, backslash included, belongs to a name and is kept byte for byte, without Unicode
normalisation or case folding. `.` segments are dropped. `..`, empty segments (`a//b`) and
NUL characters are rejected, so no path can climb out of its namespace.
"""

from __future__ import annotations

from lanner.namespace_files.errors import InvalidNamespace, InvalidNamespaceFilePath
from lanner.tasks.properties import NAMESPACE_PATTERN

# Maximum length of a namespace, as for flows.
MAX_NAMESPACE_LENGTH = 150


def check_namespace(namespace: str) -> str:
    """Return the namespace unchanged, or raise InvalidNamespace naming it."""
    if len(namespace) > MAX_NAMESPACE_LENGTH or not NAMESPACE_PATTERN.match(namespace):
        raise InvalidNamespace(
            f"invalid namespace {namespace!r}: use lowercase letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most {MAX_NAMESPACE_LENGTH} characters"
        )
    return namespace


def normalize_path(path: str) -> str:
    """Return the normalised form of a file or folder path; the root folder is `""`.

    Raise InvalidNamespaceFilePath naming the path when it contains NUL, `..`, an empty
    segment or text that is not valid Unicode.
    """
    if "\x00" in path:
        raise InvalidNamespaceFilePath(
            f"invalid namespace file path {path!r}: NUL characters are not allowed"
        )
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidNamespaceFilePath(
            f"invalid namespace file path {path!r}: it is not valid Unicode text "
            "(it holds a lone surrogate)"
        ) from None
    relative = path[1:] if path.startswith("/") else path
    # A trailing `/` only marks a folder.
    if relative.endswith("/"):
        relative = relative[:-1]
    if not relative:
        return ""
    segments = []
    for segment in relative.split("/"):
        if segment == "..":
            raise InvalidNamespaceFilePath(
                f"invalid namespace file path {path!r}: '..' segments are not allowed, "
                "because a path may not leave its namespace"
            )
        if segment == "":
            raise InvalidNamespaceFilePath(
                f"invalid namespace file path {path!r}: empty path segments ('//') are not "
                "allowed; write the path from the namespace root, as in /folder/file.txt"
            )
        if segment != ".":
            segments.append(segment)
    return "/".join(segments)


def normalize_file_path(path: str) -> str:
    """Normalise a path that must name a file, not the root folder."""
    normalized = normalize_path(path)
    if not normalized:
        raise InvalidNamespaceFilePath(
            f"invalid namespace file path {path!r}: it names the root folder, not a file"
        )
    return normalized


def display_path(path: str) -> str:
    """Return a normalised path as users write it, from the namespace root: `/lib/a.py`."""
    return "/" + path


def parent_folders(path: str) -> list[str]:
    """List the folders that hold a normalised path, outermost first, without the root."""
    segments = path.split("/")[:-1]
    return ["/".join(segments[: index + 1]) for index in range(len(segments))]
