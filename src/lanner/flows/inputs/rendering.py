"""Expression rendering for input defaults, `dependsOn` conditions and SELECT `expression`s.

The expression engine is passed in as a `RenderFunctions` object, so this package does not
import `lanner.expressions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lanner.tasks.properties import is_expression


class RenderFunctions(Protocol):
    """The two rendering functions of Lanner's expression engine."""

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        """Render a template to text."""
        ...

    def render_typed(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Render a value, turning a text that is one whole `{{ expr }}` into the native result."""
        ...


def contains_expression(value: Any) -> bool:
    """Tell whether a value, or text nested in its lists and mappings, contains an expression."""
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, (list, tuple)):
        return any(contains_expression(item) for item in value)
    if isinstance(value, Mapping):
        return any(
            contains_expression(key) or contains_expression(item) for key, item in value.items()
        )
    return False


def render_nested(value: Any, render: RenderFunctions, context: Mapping[str, Any]) -> Any:
    """Render every expression in a value, keeping lists and mappings as they are.

    Exceptions from the engine propagate, so the caller can report them against the input.
    """
    if isinstance(value, str):
        return render.render_typed(value, context) if is_expression(value) else value
    if isinstance(value, (list, tuple)):
        return [render_nested(item, render, context) for item in value]
    if isinstance(value, Mapping):
        return {
            render_nested(key, render, context): render_nested(item, render, context)
            for key, item in value.items()
        }
    return value


def is_true(value: Any) -> bool:
    """Tell whether a rendered `dependsOn.condition` enables its input.

    Kestra enables the input only when the condition renders to the boolean true. The text
    "true" counts too, because an engine that renders to text produces it for a true condition.
    """
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"
