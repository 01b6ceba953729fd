"""Operator precedence of Kestra expressions (Pebble 3.2 CoreExtension, Kestra Extension).

A higher number binds tighter. Every binary operator is left-associative. Attribute
access (`a.b`, `a['b']`), calls (`f()`) and literals bind tightest of all.

======================  ==========  ===============================================
operator                precedence  notes
======================  ==========  ===============================================
``not``, unary ``-``    500         applies to the next operand only, so
``+``                               ``not a == b`` is ``(not a) == b`` as in Pebble
``..``                  120
``~``                   110         ``'a' ~ b | upper`` is ``('a' ~ b) | upper``
``|`` (filter)          100         ``1 + 2 | abs`` is ``1 + (2 | abs)``
``??``, ``???``         95          filters bind tighter: ``a ?? b | upper`` is
                                    ``a ?? (b | upper)`` (see below)
``*``, ``/``, ``%``     60
``+``, ``-``            40
``==``, ``equals``,     30
``!=``, ``<``, ``>``,
``<=``, ``>=``
``is``, ``is not``,     20          ``a == b is defined`` tests ``a == b``
``contains``
``and``                 15
``or``                  10
``c ? x : y``           0           only around a whole expression: ``a or b ? x : y``
                                    tests ``a or b``; branches are whole expressions
======================  ==========  ===============================================

Lanner deliberately binds filters tighter than ``??`` and ``???``, so that a fallback can be
formatted on its own: ``inputs.end ?? now() | date('yyyy-MM-dd')`` formats only ``now()``.
Pebble's Kestra extension registers both operators above filters (at 120), where the same
text formats whichever side is chosen; the two readings differ only when the left side is
defined and a filter follows. Parentheses give either reading explicitly.
"""

from __future__ import annotations

from typing import Final

UNARY_PRECEDENCE: Final = 500

# Keys are Jinja token types, or "name:<word>" for operators spelled as words.
BINARY_PRECEDENCE: Final[dict[str, int]] = {
    "name:or": 10,
    "name:and": 15,
    "name:is": 20,
    "name:contains": 20,
    "eq": 30,
    "name:equals": 30,
    "ne": 30,
    "lt": 30,
    "lteq": 30,
    "gt": 30,
    "gteq": 30,
    "add": 40,
    "sub": 40,
    "mul": 60,
    "div": 60,
    "mod": 60,
    "pipe": 100,
    "tilde": 110,
    "range": 120,
    "nullcoalesce": 95,
    "undefinedcoalesce": 95,
}
