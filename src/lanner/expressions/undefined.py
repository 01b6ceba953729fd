"""A strict, chainable undefined value that remembers the path the expression used.

Reading `outputs.skipped.x` when `skipped` does not exist yields an undefined value
instead of failing at once, so `??`, `default` and `is defined` can rescue it. Any other
use (printing, comparing, iterating, arithmetic, most filters) raises
`UndefinedAccess` with the whole path, such as `undefined variable 'outputs.skipped.x'`.
"""

from __future__ import annotations

from typing import Any, NoReturn

from jinja2.exceptions import TemplateRuntimeError, UndefinedError
from jinja2.runtime import StrictUndefined, Undefined
from jinja2.utils import missing

from lanner.errors import ExpressionError


class UndefinedAccess(UndefinedError):
    """Raised inside a template when an undefined value is used; `path` names the variable."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class PebbleUndefined(StrictUndefined):
    """Undefined value with the expression path (`outputs.t.x`) and the first missing step."""

    __slots__ = ("_missing_step", "_path")

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedAccess,
        path: str | None = None,
        missing_step: str | None = None,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        self._path = path if path is not None else (name or "value")
        self._missing_step = missing_step

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        message = f"undefined variable '{self._path}'"
        if self._missing_step:
            message += f" ({self._missing_step})"
        return message

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        if self._undefined_exception is UndefinedAccess:
            raise UndefinedAccess(self._undefined_message, self._path)
        raise self._undefined_exception(self._undefined_message)

    def extend(self, path: str) -> PebbleUndefined:
        """Return the undefined value reached by reading further (`x.y` when `x` is undefined)."""
        return PebbleUndefined(
            self._undefined_hint,
            self._undefined_obj,
            self._undefined_name,
            self._undefined_exception,
            path=path,
            missing_step=self._missing_step or f"'{self._path}' is not defined",
        )

    def __getattr__(self, name: str) -> Any:
        # Templates reach attributes through PebbleEnvironment.pebble_getattr, which chains
        # undefined values itself. Python and Jinja2 probe objects with getattr (for example
        # `unsafe_callable`); those probes must see a missing attribute, not a failure.
        raise AttributeError(name)

    def __getitem__(self, key: Any) -> PebbleUndefined:  # type: ignore[override]
        return self.extend(f"{self._path}[{key!r}]")

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ExpressionError(
            f"unknown function '{self._path}'; check the name against Lanner's functions"
        )

    __iter__ = __str__ = __len__ = _fail_with_undefined_error
    __eq__ = __ne__ = __bool__ = __hash__ = __contains__ = _fail_with_undefined_error
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail_with_undefined_error
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _fail_with_undefined_error
    __mod__ = __rmod__ = __pos__ = __neg__ = __pow__ = __rpow__ = _fail_with_undefined_error
    __lt__ = __le__ = __gt__ = __ge__ = _fail_with_undefined_error
    __int__ = __float__ = __complex__ = _fail_with_undefined_error


def undefined_path(value: Undefined) -> str:
    """Return the path an undefined value was reached by, or its name."""
    if isinstance(value, PebbleUndefined):
        return value._path
    return str(value._undefined_name or "value")


def raise_if_undefined(value: Any) -> None:
    """Raise the undefined-variable error if `value` is undefined; do nothing otherwise."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
