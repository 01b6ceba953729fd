"""Namespace files: files stored per namespace in internal storage, and their download."""

from lanner.namespace_files.cache import CacheKey, ContentCache
from lanner.namespace_files.download import (
    DownloadedFile,
    DownloadReport,
    DownloadRequest,
    IfExists,
    NamespaceFileDownloader,
)
from lanner.namespace_files.errors import (
    InvalidNamespace,
    InvalidNamespaceFilePath,
    NamespaceFileConflict,
    NamespaceFileError,
    NamespaceFileNotFound,
)
from lanner.namespace_files.limits import DownloadLimits, available_cpus
from lanner.namespace_files.matching import InvalidGlobPattern, PathMatcher
from lanner.namespace_files.service import EntryType, NamespaceFileEntry, NamespaceFiles

__all__ = [
    "CacheKey",
    "ContentCache",
    "DownloadLimits",
    "DownloadReport",
    "DownloadRequest",
    "DownloadedFile",
    "EntryType",
    "IfExists",
    "InvalidGlobPattern",
    "InvalidNamespace",
    "InvalidNamespaceFilePath",
    "NamespaceFileConflict",
    "NamespaceFileDownloader",
    "NamespaceFileEntry",
    "NamespaceFileError",
    "NamespaceFileNotFound",
    "NamespaceFiles",
    "PathMatcher",
    "available_cpus",
]
