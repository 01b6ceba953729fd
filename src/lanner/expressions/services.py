"""Services that `kv()`, `secret()` and `read()` delegate to, and the state of the current render.

The caller passes a `RenderServices` to `render()`; template functions find it through a
context variable, so templates themselves can never reach the service object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

from lanner.errors import ExpressionError
from lanner.expressions.errors import ServiceUnavailable

T = TypeVar("T")


@runtime_checkable
class RenderServices(Protocol):
    """Synchronous callbacks that give expressions access to the KV store, secrets and files."""

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        """Return the value stored under `key`; None when missing and not `error_on_missing`."""
        ...

    def secret(self, name: str) -> str:
        """Return the secret's value; raise ExpressionError naming the secret when missing."""
        ...

    def read(self, path: str, namespace: str | None) -> str:
        """Return the text of an internal-storage URI or namespace file."""
        ...


class UnavailableServices:
    """Services used when the caller passes none: every call raises ServiceUnavailable."""

    def kv(self, key: str, namespace: str | None, error_on_missing: bool) -> Any:
        raise ServiceUnavailable(
            f"kv('{key}') is not available here: this property is rendered without access "
            "to the KV store"
        )

    def secret(self, name: str) -> str:
        raise ServiceUnavailable(
            f"secret('{name}') is not available here: this property is rendered without "
            "access to secrets"
        )

    def read(self, path: str, namespace: str | None) -> str:
        raise ServiceUnavailable(
            f"read('{path}') is not available here: this property is rendered without "
            "access to storage"
        )


# Nested render() calls beyond this depth almost certainly loop (a variable rendering itself).
MAX_RENDER_DEPTH: Final = 16


@dataclass(frozen=True)
class RenderState:
    """Services and nesting depth of the render in progress, read by template functions."""

    services: RenderServices
    depth: int


_UNAVAILABLE: Final = UnavailableServices()
_OUTSIDE_RENDER: Final = RenderState(_UNAVAILABLE, 0)
_current: ContextVar[RenderState | None] = ContextVar("lanner_expression_render", default=None)


def current_state() -> RenderState:
    return _current.get() or _OUTSIDE_RENDER


def run_in_scope(services: RenderServices | None, action: Callable[[], T]) -> T:
    """Run one render with `services` published; nested renders keep the outer services.

    A plain function rather than a context manager: this runs for every render.
    """
    outer = current_state()
    if outer.depth >= MAX_RENDER_DEPTH:
        raise ExpressionError(
            f"expressions render each other more than {MAX_RENDER_DEPTH} levels deep; "
            "check for a variable whose value renders itself"
        )
    if services is None:
        services = outer.services if outer.depth else _UNAVAILABLE
    token = _current.set(RenderState(services, outer.depth + 1))
    try:
        return action()
    finally:
        _current.reset(token)


def context_data(context: Mapping[str, Any], globals_: Mapping[str, Any]) -> dict[str, Any]:
    """Return a template context without the environment's functions."""
    return {
        name: value
        for name, value in context.items()
        if not (name in globals_ and globals_[name] is value)
    }
