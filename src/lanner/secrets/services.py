"""`secret()` in expressions, with a hook that lets the caller mask what was read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lanner.expressions import RenderServices
from lanner.expressions.services import UnavailableServices
from lanner.secrets.environment import EnvironmentSecrets


class SecretServices:
    """Render services that resolve `secret()`; `kv()` and `read()` go to `fallback`.

    `on_read` receives every secret value read, before the render can print it, so a worker
    masks it in the task run's log lines and outputs. The executor passes no hook and logs
    nothing of what its renders read.
    """

    def __init__(
        self,
        secrets: EnvironmentSecrets | None = None,
        on_read: Callable[[str], None] | None = None,
        fallback: RenderServices | None = None,
    ) -> None:
        self.secrets = secrets or EnvironmentSecrets()
        self.on_read = on_read
        self.fallback: RenderServices = fallback or UnavailableServices()

    def secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if self.on_read is not None:
            self.on_read(value)
        return value

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        return self.fallback.kv(key, namespace, error_on_missing)

    def read(self, path: str, namespace: str | None) -> str:
        return self.fallback.read(path, namespace)
