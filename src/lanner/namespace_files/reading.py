"""`read()` in expressions: the text of a namespace file or of a file of the current execution.

Rendering is synchronous while internal storage is async, and a worker renders from inside its
event loop. `ReadServices.read()` therefore bridges in one of two ways:

- called from a thread other than the worker loop's (the worker renders in a thread with
  `asyncio.to_thread`), it schedules the read on the worker loop and waits for the result. The
  loop keeps serving other tasks meanwhile, so this is the way to render properties that read;
- called on a thread whose event loop is running (a task renders inline in its `run()`), it
  cannot wait on that loop without deadlocking it, so it reads on a helper thread with an event
  loop of its own and blocks the calling loop for that one read.

Pre-resolving reads before rendering was rejected: the path is itself an expression
(`read(inputs.file)`), known only while rendering.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from lanner.errors import ExpressionError, FileNotFoundInStorage, LannerError, StorageError
from lanner.expressions import RenderServices
from lanner.expressions.errors import ServiceUnavailable
from lanner.namespace_files.service import NamespaceFiles
from lanner.storage import Storage, execution_file_key, key_from_uri

T = TypeVar("T")

_URI_PREFIX = "kestra://"
# Maximum wait for one read, in seconds. Object stores retry failed requests within it.
READ_TIMEOUT = 120.0

_helper: concurrent.futures.ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()


class ReadServices:
    """Render services of one task run: `read()` from storage, `kv()` and `secret()` delegated.

    `read(path)` reads a namespace file of the flow's namespace, `read(path, namespace)` one of
    another namespace, and `read('kestra:///...')` a file of the current execution or of the
    execution that started it (`execution_prefixes` holds their storage key prefixes).
    """

    def __init__(
        self,
        storage: Storage,
        *,
        namespace: str,
        execution_prefixes: tuple[str, ...],
        loop: asyncio.AbstractEventLoop | None,
        fallback: RenderServices | None = None,
    ) -> None:
        self.storage = storage
        self.files = NamespaceFiles(storage)
        self.namespace = namespace
        self.execution_prefixes = execution_prefixes
        self.loop = loop
        self.fallback = fallback

    @classmethod
    def for_task_run(
        cls,
        storage: Storage,
        variables: Mapping[str, Any],
        fallback: RenderServices | None = None,
    ) -> ReadServices:
        """Build the services of a task run from its variables, bound to the running loop."""
        flow = variables["flow"]
        execution = variables.get("execution") or {}
        trigger = variables.get("trigger") or {}
        prefixes = []
        if execution.get("id"):
            prefixes.append(execution_file_key(flow["namespace"], flow["id"], execution["id"]))
        # A subflow, or a flow started by a Flow trigger, may read its parent execution's files.
        names = ("namespace", "flowId", "executionId")
        if all(isinstance(trigger.get(name), str) for name in names):
            prefixes.append(
                execution_file_key(trigger["namespace"], trigger["flowId"], trigger["executionId"])
            )
        return cls(
            storage,
            namespace=flow["namespace"],
            execution_prefixes=tuple(prefix + "/" for prefix in prefixes),
            loop=asyncio.get_running_loop(),
            fallback=fallback,
        )

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        if self.fallback is None:
            raise ServiceUnavailable(f"kv('{key}') is not available: no KV store is configured")
        return self.fallback.kv(key, namespace, error_on_missing)

    def secret(self, name: str) -> str:
        if self.fallback is None:
            raise ServiceUnavailable(f"secret('{name}') is not available: no secrets are set up")
        return self.fallback.secret(name)

    def read(self, path: str, namespace: str | None) -> str:
        try:
            data = _run_sync(lambda: self._read(path, namespace), self.loop)
        except TimeoutError:
            raise ExpressionError(
                f"read('{path}') timed out after {READ_TIMEOUT:.0f} s waiting for internal storage"
            ) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ExpressionError(
                f"read('{path}'): the file is not UTF-8 text ({error}); read() returns text only"
            ) from None

    async def _read(self, path: str, namespace: str | None) -> bytes:
        try:
            if path.startswith(_URI_PREFIX):
                return await self._read_uri(path, namespace)
            return await self.files.read(namespace or self.namespace, path)
        except ExpressionError:
            raise
        except LannerError as error:
            raise ExpressionError(f"read('{path}') failed: {error}") from error

    async def _read_uri(self, uri: str, namespace: str | None) -> bytes:
        if namespace is not None:
            raise ExpressionError(
                f"read('{uri}', '{namespace}'): a namespace applies to namespace file paths, "
                "not to kestra:// URIs"
            )
        key = key_from_uri(uri)
        if not key.startswith(self.execution_prefixes):
            raise ExpressionError(
                f"read('{uri}'): only files of the current execution, and of the execution that "
                "started it, can be read by URI"
            )
        try:
            return await self.storage.get(key)
        except FileNotFoundInStorage:
            raise ExpressionError(f"read('{uri}'): no such file in internal storage") from None
        except StorageError as error:
            raise ExpressionError(f"read('{uri}') failed: {error}") from error


def _run_sync(
    action: Callable[[], Coroutine[Any, Any, T]], loop: asyncio.AbstractEventLoop | None
) -> T:
    """Run a coroutine to its end from synchronous code, whichever thread calls."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None and loop is not None and loop.is_running():
        return asyncio.run_coroutine_threadsafe(action(), loop).result(READ_TIMEOUT)
    if running is None:
        return asyncio.run(action())
    # NOTE: this blocks the calling event loop for one read; rendering in a thread avoids it.
    return _helper_pool().submit(asyncio.run, action()).result(READ_TIMEOUT)


def _helper_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = concurrent.futures.ThreadPoolExecutor(
                max_workers=4, thread_name_prefix="lanner-read"
            )
        return _helper
