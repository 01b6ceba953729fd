"""Lanner's expression engine: Kestra's Pebble expressions on a sandboxed Jinja2.

Users write `{{ outputs.task.value ?? 'none' | upper }}` in flow properties; this package
renders such text (`render`), keeps native types for a whole expression (`render_typed`),
converts values to Kestra's text forms (`to_text`), applies Kestra's condition rule
(`is_truthy`) and finds which variables templates read (`references`).
"""

from lanner.expressions.errors import (
    ExpressionError,
    ExpressionSyntaxError,
    ServiceUnavailable,
    UndefinedVariable,
)
from lanner.expressions.references import References, references
from lanner.expressions.rendering import is_dynamic, render, render_typed, render_value
from lanner.expressions.services import RenderServices
from lanner.expressions.text import is_truthy, to_text

__all__ = [
    "ExpressionError",
    "ExpressionSyntaxError",
    "References",
    "RenderServices",
    "ServiceUnavailable",
    "UndefinedVariable",
    "is_dynamic",
    "is_truthy",
    "references",
    "render",
    "render_typed",
    "render_value",
    "to_text",
]
