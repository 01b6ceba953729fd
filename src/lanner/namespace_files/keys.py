"""The one-to-one mapping between (namespace, path) and internal storage keys.

    _namespace_files/<namespace>/<segment>/<segment>/...

Each namespace and each path segment is percent-encoded as UTF-8 bytes, keeping only ASCII
letters, digits, `-`, `_` and `.`. A leading `.` is encoded too, so no encoded segment is `.`,
`..` or a hidden temporary file of the local storage. Encoded text therefore never contains
`/`, which makes the mapping injective: two different (namespace, path) pairs never share a key,
and no key of one namespace lies below the prefix of another. Percent-encoding every other byte
keeps names that differ only in Unicode normalisation (NFC and NFD) or in characters that object
stores and file systems treat specially apart on every backend.

File systems limit a name to 255 bytes, so an encoded segment longer than `MAX_STORED_SEGMENT`
is cut into pieces stored as nested folders: every piece but the last ends with `~` and the last
starts with `~`. Encoded text never contains `~`, so the pieces join back unambiguously.

The first segment, `_namespace_files`, cannot start a namespace (namespaces start with a letter
or a digit), so these keys never meet the keys of execution files, which start with the
namespace.

NOTE: names that differ only in letter case get different keys, but a local storage on a
case-insensitive file system (macOS, Windows) would store them in one file.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

from lanner.namespace_files.errors import InvalidNamespaceFilePath
from lanner.namespace_files.paths import check_namespace, display_path, normalize_path

ROOT = "_namespace_files"
# Maximum length of an encoded segment stored as one key segment. It leaves room in a 255-byte
# file name for the local storage's temporary-file suffix.
MAX_STORED_SEGMENT = 200
# Maximum length of a key this mapping produces. S3 allows 1024 bytes, and the storage URL's
# prefix comes in front of the key.
MAX_KEY_LENGTH = 960

# Segments that encode to themselves: safe characters only, not starting with a dot.
_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_CONTINUED = "~"


def encode_segment(text: str) -> str:
    """Percent-encode one namespace or path segment."""
    if _PLAIN.fullmatch(text):
        return text
    # quote() also keeps `~`, which this mapping reserves for split segments.
    encoded = quote(text, safe="-_.").replace("~", "%7E")
    return "%2E" + encoded[1:] if encoded.startswith(".") else encoded


def decode_segment(encoded: str) -> str | None:
    """Decode an encoded segment; None when `encoded` is not what encode_segment makes."""
    try:
        text = unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if encode_segment(text) == encoded else None


def namespace_prefix(namespace: str) -> str:
    """Return the key prefix under which every file of `namespace` is stored."""
    return f"{ROOT}/{encode_segment(check_namespace(namespace))}/"


def file_key(namespace: str, path: str) -> str:
    """Return the storage key of a file, given its normalised path."""
    key = namespace_prefix(namespace) + _stored_segments(path)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidNamespaceFilePath(
            f"namespace file path {display_path(path)!r} of namespace {namespace!r} is too "
            f"long: its storage key would have {len(key)} characters, more than "
            f"{MAX_KEY_LENGTH}; shorten the names (non-ASCII characters count up to 12 each)"
        )
    return key


def folder_prefix(namespace: str, folder: str) -> str:
    """Return the key prefix of every file inside a folder, given its normalised path."""
    if not folder:
        return namespace_prefix(namespace)
    return namespace_prefix(namespace) + _stored_segments(folder) + "/"


def path_from_key(namespace: str, key: str) -> str | None:
    """Return the normalised path stored at `key`; None when `key` is not such a file's key."""
    prefix = namespace_prefix(namespace)
    if not key.startswith(prefix) or key == prefix:
        return None
    names: list[str] = []
    pieces: list[str] = []
    for stored in key[len(prefix) :].split("/"):
        if stored.endswith(_CONTINUED):
            pieces.append(stored[: -len(_CONTINUED)])
            continue
        if stored.startswith(_CONTINUED):
            stored = "".join(pieces) + stored[len(_CONTINUED) :]
            pieces = []
        name = decode_segment(stored)
        if name is None:
            return None
        names.append(name)
    path = "/".join(names)
    # Only the key this mapping makes for a valid path counts, so the mapping stays one-to-one
    # and no `..` comes back even when other keys were written under the prefix.
    if pieces or _stored_segments(path) != key[len(prefix) :] or not _is_normalized(path):
        return None
    return path


def _is_normalized(path: str) -> bool:
    try:
        return normalize_path(path) == path
    except InvalidNamespaceFilePath:
        return False


def _stored_segments(path: str) -> str:
    return "/".join(_split(encode_segment(segment)) for segment in path.split("/"))


def _split(encoded: str) -> str:
    if len(encoded) <= MAX_STORED_SEGMENT:
        return encoded
    size = MAX_STORED_SEGMENT - len(_CONTINUED)
    pieces = [encoded[start : start + size] for start in range(0, len(encoded), size)]
    last = pieces.pop()
    return "/".join([*(piece + _CONTINUED for piece in pieces), _CONTINUED + last])
