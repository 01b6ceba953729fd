"""What can go wrong with namespace files, each error naming the namespace and the path."""

from __future__ import annotations

from lanner.errors import LannerError


class NamespaceFileError(LannerError):
    """A namespace file operation failed; the message names the namespace and the path."""


class InvalidNamespace(NamespaceFileError):
    """A namespace name does not follow the namespace rules."""


class InvalidNamespaceFilePath(NamespaceFileError):
    """A namespace file path is malformed or would leave its namespace or destination."""


class NamespaceFileNotFound(NamespaceFileError):
    """No file or folder exists at that path of the namespace."""


class NamespaceFileConflict(NamespaceFileError):
    """The operation would replace a file with a folder, a folder with a file, or an entry."""
