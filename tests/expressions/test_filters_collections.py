"""List and map filters, plus length, default and className."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import ExpressionError, render, render_typed

CONTEXT: dict[str, Any] = {
    "items": [3, 1, 2],
    "mapping": {"foo": "bar", "baz": "qux"},
    "nothing": None,
    "empty_list": [],
    "blank": "  ",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ mapping | keys }}", ["foo", "baz"]),
        ("{{ items | keys }}", [0, 1, 2]),
        ("{{ mapping | values }}", ["bar", "qux"]),
        ("{{ items | values }}", [3, 1, 2]),
        ("{{ 'Mitch' | length }}", 5),
        ("{{ items | length }}", 3),
        ("{{ mapping | length }}", 2),
        ("{{ nothing | length }}", 0),
        ("{{ 12345 | length }}", 5),
        ("{{ ['apple', 'banana'] | first }}", "apple"),
        ("{{ 'Mitch' | first }}", "M"),
        ("{{ ['apple', 'banana'] | last }}", "banana"),
        ("{{ 'Mitch' | last }}", "h"),
        ("{{ empty_list | first }}", None),
        ("{{ ['apple', 'banana'] | reverse }}", ["banana", "apple"]),
        ("{{ 'abc' | reverse }}", "cba"),
        ("{{ items | sort }}", [1, 2, 3]),
        ("{{ items | rsort }}", [3, 2, 1]),
        ("{{ ['b', 'a', 'C'] | sort }}", ["C", "a", "b"]),
        ("{{ ['apple', 'banana', 'cherry'] | slice(1, 2) }}", ["banana"]),
        ("{{ 'Mitch' | slice(1, 3) }}", "it"),
        ("{{ items | slice(1) }}", [1, 2]),
        ("{{ [1, 2] | merge([3, 4]) }}", [1, 2, 3, 4]),
        ("{{ {'a': 1} | merge({'b': 2, 'a': 3}) }}", {"a": 3, "b": 2}),
        ("{{ {'a': 1} | merge(['x']) }}", {"a": 1, "x": "x"}),
        ("{{ nothing | merge([1]) }}", [1]),
        ("{{ [1] | merge(nothing) }}", [1]),
        ("{{ ['apple', 'banana'] | join(', ') }}", "apple, banana"),
        ("{{ [1, [2, 3], {'a': true}, null] | join('|') }}", '1|[2,3]|{"a":true}|'),
        ("{{ ['a', 'b'] | join }}", "ab"),
        ("{{ [1, 2, 3, 4, 5] | chunk(2) }}", [[1, 2], [3, 4], [5]]),
        ("{{ ['1', '1', '2', '3'] | distinct }}", ["1", "2", "3"]),
        ("{{ [{'a': 1}, {'a': 1}, [1], [1], 1, '1'] | distinct }}", [{"a": 1}, [1], 1, "1"]),
        ("{{ [[1, 2], 3, [[4]]] | flatten }}", [1, 2, 3, [4]]),
        ("{{ nothing | default('d') }}", "d"),
        ("{{ missing | default('d') }}", "d"),
        ("{{ blank | default('d') }}", "d"),
        ("{{ empty_list | default('d') }}", "d"),
        ("{{ {} | default('d') }}", "d"),
        ("{{ 0 | default('d') }}", 0),
        ("{{ false | default('d') }}", False),
        ("{{ 'x' | default('d') }}", "x"),
        ("{{ 'text' | className }}", "java.lang.String"),
        ("{{ 12 | className }}", "java.lang.Integer"),
        ("{{ 12000000000 | className }}", "java.lang.Long"),
        ("{{ 1.5 | className }}", "java.lang.Double"),
        ("{{ true | className }}", "java.lang.Boolean"),
        ("{{ items | className }}", "java.util.ArrayList"),
        ("{{ mapping | className }}", "java.util.LinkedHashMap"),
        ("{{ '12.3' | number | className }}", "java.lang.Double"),
        ("{{ nothing | keys }}", None),
        ("{{ nothing | sort }}", None),
    ],
)
def test_collection_filters(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


def test_merge_map_into_list_adds_entries() -> None:
    assert render("{{ [1] | merge({'a': 2}) }}", CONTEXT) == '[1,{"a":2}]'


def test_filters_do_not_modify_input() -> None:
    items = [3, 1, 2]
    render("{{ items | sort }}{{ items | reverse }}{{ items | merge([4]) }}", {"items": items})
    assert items == [3, 1, 2]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'text' | keys }}", "keys filter needs a list, got text"),
        ("{{ mapping | first }}", "first filter needs a list, got map"),
        ("{{ [1, 'a'] | sort }}", "cannot order a list mixing number, text"),
        ("{{ items | chunk(0) }}", "size of 1 or more"),
        ("{{ 'abc' | join(',') }}", "join filter needs a list"),
        ("{{ 'abc' | flatten }}", "flatten filter needs a list"),
        ("{{ nothing | merge(nothing) }}", "null on both sides"),
        ("{{ missing | length }}", "undefined variable 'missing'"),
    ],
)
def test_collection_filter_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)
