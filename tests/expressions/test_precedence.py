"""Operator precedence follows Pebble 3.2, with `??` and `???` below filters (see precedence.py)."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import render, render_typed

CONTEXT: dict[str, Any] = {"a": "left", "b": "right", "nothing": None, "t": True, "f": False}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # `|` (100) binds tighter than `??` (95): the filter applies to the fallback only.
        ("{{ a ?? b | upper }}", "left"),
        ("{{ nothing ?? b | upper }}", "RIGHT"),
        ("{{ (a ?? b) | upper }}", "LEFT"),
        ("{{ a ?? (b | upper) }}", "left"),
        ("{{ missing ?? b | upper }}", "RIGHT"),
        ("{{ nothing ??? b | upper }}", ""),
        # `~` (110) binds tighter than `|` (100).
        ("{{ 'x' ~ a | upper }}", "XLEFT"),
        ("{{ 'x' ~ (a | upper) }}", "xLEFT"),
        # `~` (110) binds tighter than `??` (95).
        ("{{ nothing ?? 'n' ~ 'x' }}", "nx"),
        ("{{ a ?? 'n' ~ 'x' }}", "left"),
        # Arithmetic binds looser than `??`, as in Pebble.
        ("{{ nothing ?? 1 + 2 }}", "3"),
        # `|` (100) binds tighter than arithmetic.
        ("{{ 1 + -2 | abs }}", "3"),
        ("{{ 2 * 3 | abs }}", "6"),
        # Multiplication before addition; left associativity.
        ("{{ 2 + 3 * 4 }}", "14"),
        ("{{ (2 + 3) * 4 }}", "20"),
        ("{{ 10 - 4 - 3 }}", "3"),
        ("{{ 100 / 10 / 5 }}", "2"),
        ("{{ 2 + 2 / (10 % 3) * (8 - 1) }}", "16"),
        # Arithmetic before comparison, comparison before is/contains, then and, then or.
        ("{{ 1 + 1 == 2 }}", "true"),
        ("{{ 1 + 1 == 2 is defined }}", "true"),
        ("{{ [1, 2] contains 1 + 1 }}", "true"),
        ("{{ t or f and f }}", "true"),
        ("{{ (t or f) and f }}", "false"),
        ("{{ f and f or t }}", "true"),
        # `not` applies to the next operand only, as in Pebble: (not f) == t.
        ("{{ not f == t }}", "true"),
        ("{{ not (t == f) }}", "true"),
        ("{{ not t and f }}", "false"),
        ("{{ not f and t }}", "true"),
        ("{{ not f or f }}", "true"),
        # The ternary takes the whole expression on its left and whole expressions as branches.
        ("{{ t or f ? 'yes' : 'no' }}", "yes"),
        ("{{ 1 > 2 ? 'yes' : 'no' }}", "no"),
        ("{{ nothing ?? f ? 'yes' : 'no' }}", "no"),
        ("{{ t ? nothing ?? 'fallback' : 'no' }}", "fallback"),
        ("{{ f ? 'a' : t ? 'b' : 'c' }}", "b"),
        ("{{ t ? 'a' ~ 'b' : 'c' }}", "ab"),
        # Unary minus binds to its operand before any binary operator.
        ("{{ -2 + 5 }}", "3"),
        ("{{ -(2 + 5) }}", "-7"),
        # The range operator binds tighter than `~` and `|`.
        ("{{ 1..3 | length }}", "3"),
        ("{{ 'n' ~ 1..2 }}", "n[1,2]"),
    ],
)
def test_precedence(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


def test_coalesce_chain_is_left_associative() -> None:
    assert render("{{ missing ?? nothing ?? 'third' }}", CONTEXT) == "third"
    assert render_typed("{{ missing ??? nothing ??? 'third' }}", CONTEXT) is None


def test_filter_chain_after_coalesce() -> None:
    assert render("{{ nothing ?? ' pad ' | trim | upper }}", CONTEXT) == "PAD"
