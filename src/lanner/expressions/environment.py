"""The sandboxed Jinja2 environment that reads Kestra's Pebble dialect.

It combines the Pebble lexer, parser and code generator, and replaces Jinja2's filters,
tests and globals with Kestra's. Attribute access works the way Pebble's does: map keys
come first, methods are not reachable, and a missing key gives an undefined value that
carries the path.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import nodes
from jinja2.lexer import Lexer
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from lanner.expressions import operators
from lanner.expressions.codegen import PebbleCodeGenerator
from lanner.expressions.lexer import PebbleLexer
from lanner.expressions.nodes import OPERATOR_PREFIX
from lanner.expressions.parser import PebbleParser
from lanner.expressions.text import to_text
from lanner.expressions.undefined import PebbleUndefined, undefined_path
from lanner.expressions.values import type_name

# Pebble's loop counts from 0, so its `index` and `revindex` are Jinja2's zero-based ones.
_LOOP_ATTRIBUTES = {"index": "index0", "revindex": "revindex0"}


class PebbleEnvironment(ImmutableSandboxedEnvironment):
    """Sandboxed environment for Kestra expressions; one instance serves every render."""

    code_generator_class = PebbleCodeGenerator

    def __init__(self) -> None:
        super().__init__(
            undefined=PebbleUndefined,
            autoescape=False,
            finalize=to_text,
            # Jinja2's constant folding would apply Python semantics to Pebble operators.
            optimized=False,
            # Pebble keeps a template's last newline; YAML block scalars depend on it.
            keep_trailing_newline=True,
            cache_size=0,
        )
        self._pebble_lexer = PebbleLexer(self)

        from lanner.expressions.filters import FILTERS
        from lanner.expressions.functions import FUNCTIONS
        from lanner.expressions.predicates import TESTS

        self.filters = dict(FILTERS)
        self.filters.update(
            {OPERATOR_PREFIX + name: function for name, function in operators.OPERATORS.items()}
        )
        self.tests = dict(TESTS)
        self.globals = dict(FUNCTIONS)

    @property
    def lexer(self) -> Lexer:
        return self._pebble_lexer

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return PebbleParser(self, source, name, filename).parse()

    def pebble_getattr(self, obj: Any, name: str, parent: str) -> Any:
        """Read `obj.name`: a map key first, as Pebble does, then a public non-method attribute."""
        path = f"{parent}.{name}"
        if isinstance(obj, Undefined):
            return _extend(obj, path)
        if isinstance(obj, Mapping):
            try:
                return obj[name]
            except KeyError:
                return self._missing(path, f"'{parent}' has no key '{name}'")
        if obj is None:
            return self._missing(path, f"'{parent}' is null")
        if isinstance(obj, LoopContext):
            name = _LOOP_ATTRIBUTES.get(name, name)
        value = ImmutableSandboxedEnvironment.getattr(self, obj, name)
        if isinstance(value, Undefined):
            if value._undefined_hint:
                # The sandbox refused the attribute; keep its message and SecurityError.
                return PebbleUndefined(
                    value._undefined_hint, obj, name, value._undefined_exception, path=path
                )
            return self._missing(path, f"{type_name(obj)} '{parent}' has no attribute '{name}'")
        if callable(value):
            return self._missing(path, f"'{name}' is a method; expressions cannot call methods")
        return value

    def pebble_getitem(self, obj: Any, key: Any, parent: str) -> Any:
        """Read `obj[key]`: map key (also as text for a number), list index or slice."""
        if isinstance(key, Undefined):
            return _extend(key, f"{parent}[{undefined_path(key)}]")
        path = f"{parent}[{key!r}]"
        if isinstance(obj, Undefined):
            return _extend(obj, path)
        if obj is None:
            return self._missing(path, f"'{parent}' is null")
        if isinstance(obj, Mapping):
            return self._map_item(obj, key, parent, path)
        if isinstance(obj, list | tuple | str):
            return self._sequence_item(obj, key, parent, path)
        if isinstance(key, str):
            return self.pebble_getattr(obj, key, parent)
        return self._missing(path, f"{type_name(obj)} '{parent}' cannot be indexed")

    def _map_item(self, obj: Mapping[Any, Any], key: Any, parent: str, path: str) -> Any:
        try:
            return obj[key]
        except (KeyError, TypeError):
            pass
        if isinstance(key, int) and not isinstance(key, bool) and str(key) in obj:
            return obj[str(key)]
        return self._missing(path, f"'{parent}' has no key {to_text(key)!r}")

    def _sequence_item(self, obj: Any, key: Any, parent: str, path: str) -> Any:
        if isinstance(key, slice):
            return obj[key]
        if isinstance(key, str) and key.lstrip("-").isdigit():
            key = int(key)
        if isinstance(key, bool) or not isinstance(key, int):
            return self._missing(
                path, f"{type_name(obj)} '{parent}' needs a number index, got {type_name(key)}"
            )
        try:
            return obj[key]
        except IndexError:
            return self._missing(
                path,
                f"index {key} is out of range for {type_name(obj)} '{parent}' of {len(obj)} items",
            )

    def _missing(self, path: str, missing_step: str) -> PebbleUndefined:
        return PebbleUndefined(obj=missing, path=path, missing_step=missing_step)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Filters and Jinja2 internals use getattr/getitem; apply the same Pebble rules.
        return self.pebble_getattr(obj, attribute, "value")

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.pebble_getitem(obj, argument, "value")


def _extend(value: Undefined, path: str) -> Undefined:
    if isinstance(value, PebbleUndefined):
        return value.extend(path)
    return PebbleUndefined(
        value._undefined_hint,
        value._undefined_obj,
        value._undefined_name,
        value._undefined_exception,
        path=path,
    )


@functools.cache
def get_environment() -> PebbleEnvironment:
    """Return the process-wide environment; Jinja2 environments are thread-safe for rendering."""
    return PebbleEnvironment()
