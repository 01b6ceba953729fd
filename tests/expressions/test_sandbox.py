"""Expressions cannot reach Python internals, the file system or the network."""

from __future__ import annotations

import pytest

from lanner.expressions import ExpressionError, render

CONTEXT = {"inputs": {"text": "abc", "items": [1, 2]}, "cycler": None}


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ inputs.text.__class__ }}",
        "{{ inputs.items.__class__.__base__ }}",
        "{{ range.__globals__ }}",
        "{{ now.__globals__['os'] }}",
        "{{ render.__code__ }}",
        "{{ inputs.text.upper() }}",
        "{{ inputs.items.append(3) }}",
        "{{ inputs.items.pop() }}",
        "{{ inputs.text.format(1) }}",
        "{{ lipsum() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{% include '/etc/passwd' %}",
        "{% import '/etc/passwd' as x %}",
        "{% extends '/etc/passwd' %}",
        "{{ (1).__class__ }}",
        "{{ inputs['__class__'] }}",
        "{{ inputs.text[0].__class__ }}",
    ],
)
def test_internals_are_unreachable(template: str) -> None:
    with pytest.raises(ExpressionError):
        render(template, CONTEXT)


def test_list_is_not_modified_by_expression() -> None:
    items = [1, 2]
    render("{{ items + [3] }}{{ items - 1 }}", {"items": items})
    assert items == [1, 2]


def test_security_error_message_is_clear() -> None:
    with pytest.raises(ExpressionError, match="unsafe"):
        render("{{ ''.__class__ }}", CONTEXT)
