"""Tests used with `is`: defined, null, empty, even, odd, iterable, json, map."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import ExpressionError, render_typed

CONTEXT: dict[str, Any] = {"nothing": None, "items": [1], "mapping": {"a": 1}, "text": "abc"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ text is defined }}", True),
        ("{{ nothing is defined }}", True),
        ("{{ missing is defined }}", False),
        ("{{ nothing is null }}", True),
        ("{{ text is null }}", False),
        ("{{ text is not null }}", True),
        ("{{ nothing is empty }}", True),
        ("{{ '' is empty }}", True),
        ("{{ '  ' is empty }}", True),
        ("{{ [] is empty }}", True),
        ("{{ {} is empty }}", True),
        ("{{ items is empty }}", False),
        ("{{ 0 is empty }}", False),
        ("{{ 2 is even }}", True),
        ("{{ 3 is even }}", False),
        ("{{ 3 is odd }}", True),
        ("{{ -3 is odd }}", True),
        ("{{ 4.0 is even }}", True),
        ("{{ 3 is not even }}", True),
        ("{{ items is iterable }}", True),
        ("{{ mapping is iterable }}", False),
        ("{{ text is iterable }}", False),
        ("{{ '{\"test\": 1}' is json }}", True),
        ("{{ '[1, 2]' is json }}", True),
        ("{{ 'not json' is json }}", False),
        ("{{ mapping is json }}", False),
        ("{{ mapping is map }}", True),
        ("{{ items is map }}", False),
        ("{{ {'apple': 'red'} is map }}", True),
    ],
)
def test_predicates(template: str, expected: bool) -> None:
    assert render_typed(template, CONTEXT) is expected


@pytest.mark.parametrize(
    "template", ["{{ 2.5 is even }}", "{{ text is odd }}", "{{ missing is even }}"]
)
def test_even_and_odd_need_whole_numbers(template: str) -> None:
    with pytest.raises(ExpressionError):
        render_typed(template, CONTEXT)
