"""Syntax tree for Pebble operators that Jinja2 has no node for.

Jinja2 forbids new node types, so each operator becomes a `Filter` node with a reserved
name such as `pebble:add`. The colon keeps these names out of reach of templates, whose
filter names are identifiers. The environment registers the functions of `operators.py`
under those names, and the generated code calls them directly. The lazy operators `??`
and `???` are the exception: they receive their operands as functions.
"""

from __future__ import annotations

from typing import Final

from jinja2 import nodes

OPERATOR_PREFIX: Final = "pebble:"
LAZY_OPERATORS: Final = frozenset({"pebble:coalesce_null", "pebble:coalesce_undefined"})


def operator(
    name: str, first: nodes.Expr, *rest: nodes.Expr, lineno: int | None = None
) -> nodes.Filter:
    """Build a call of the operator function registered as `pebble:<name>`."""
    return nodes.Filter(
        first, OPERATOR_PREFIX + name, list(rest), [], None, None, lineno=lineno or first.lineno
    )


def condition(expression: nodes.Expr) -> nodes.Filter:
    """Wrap an expression used as a condition so it converts to a boolean by Pebble's rule."""
    return operator("condition", expression)


def is_operator(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Filter) and node.name.startswith(OPERATOR_PREFIX)
