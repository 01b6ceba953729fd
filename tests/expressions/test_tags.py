"""Tags: if/elseif/else, for with loop variables and else, set, raw, verbatim, comments."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import ExpressionError, render

CONTEXT: dict[str, Any] = {
    "items": ["a", "b", "c"],
    "mapping": {"x": 1, "y": 2},
    "category": "sports",
    "nothing": None,
}


@pytest.mark.parametrize(
    ("category", "expected"),
    [("news", "N"), ("sports", "S"), ("music", "M"), ("other", "?")],
)
def test_if_elseif_elif_else(category: str, expected: str) -> None:
    template = (
        "{% if category == 'news' %}N{% elseif category == 'sports' %}S"
        "{% elif category == 'music' %}M{% else %}?{% endif %}"
    )
    assert render(template, {"category": category}) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("true", "yes"),
        ("false", "no"),
        ("1", "yes"),
        ("0", "no"),
        ("0.0", "no"),
        ("'text'", "yes"),
        ("'false'", "yes"),
        ("''", "no"),
        ("nothing", "no"),
        ("items", "yes"),
        ("[]", "no"),
    ],
)
def test_if_condition_truth(condition: str, expected: str) -> None:
    template = f"{{% if {condition} %}}yes{{% else %}}no{{% endif %}}"
    assert render(template, CONTEXT) == expected


def test_loop_variables_zero_based() -> None:
    template = (
        "{% for item in items %}"
        "{{ loop.index }}/{{ loop.revindex }}/{{ loop.length }}/"
        "{{ loop.first }}/{{ loop.last }}={{ item }};"
        "{% endfor %}"
    )
    assert render(template, CONTEXT) == (
        "0/2/3/true/false=a;1/1/3/false/false=b;2/0/3/false/true=c;"
    )


def test_for_loop_subscript_on_loop() -> None:
    assert render("{% for i in items %}{{ loop['index'] }}{% endfor %}", CONTEXT) == "012"


def test_for_over_map_gives_entries() -> None:
    template = "{% for entry in mapping %}{{ entry.key }}={{ entry.value }},{% endfor %}"
    assert render(template, CONTEXT) == "x=1,y=2,"


def test_map_entry_prints_key_value() -> None:
    assert render("{% for e in mapping %}{{ e }} {% endfor %}", CONTEXT) == "x=1 y=2 "


def test_for_else_runs_for_empty_or_null() -> None:
    template = "{% for x in value %}{{ x }}{% else %}none{% endfor %}"
    assert render(template, {"value": []}) == "none"
    assert render(template, {"value": None}) == "none"


def test_for_over_text_is_rejected() -> None:
    with pytest.raises(ExpressionError, match="cannot loop over text"):
        render("{% for c in 'abc' %}{{ c }}{% endfor %}", CONTEXT)


def test_for_over_range_function() -> None:
    assert render("{% for i in range(0, 6, 2) %}{{ i }},{% endfor %}", {}) == "0,2,4,6,"


def test_nested_loops_keep_their_own_loop() -> None:
    template = (
        "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{% endfor %}"
        "{{ loop.index }}|{% endfor %}"
    )
    assert render(template, {}) == "010|011|"


def test_set_assigns_variable() -> None:
    assert render("{% set header = 'Welcome' ~ '!' %}{{ header }}", {}) == "Welcome!"


def test_set_with_coalesce() -> None:
    assert render("{% set v = nothing ?? 'dflt' %}{{ v }}", CONTEXT) == "dflt"


def test_raw_and_verbatim_keep_text() -> None:
    assert render("{% raw %}{{ user.name }}{% endraw %}", {}) == "{{ user.name }}"
    assert render("{% verbatim %}{{ a ?? b }}{% endverbatim %}", {}) == "{{ a ?? b }}"
    assert render("{% verbatim %}{% endraw %}{% endverbatim %}", {}) == "{% endraw %}"


def test_raw_content_is_not_parsed_for_operators() -> None:
    assert render("{% raw %}x ?? y .. z ? a : b{% endraw %}", {}) == "x ?? y .. z ? a : b"


def test_unclosed_verbatim_is_a_syntax_error() -> None:
    with pytest.raises(ExpressionError, match="Missing end of raw directive"):
        render("{% verbatim %}{{ x }}", {})


def test_comments_are_removed() -> None:
    assert render("a{# comment with {{ x }} #}b", {}) == "ab"


def test_whitespace_control() -> None:
    assert render("a  {{- 'b' -}}  c", {}) == "abc"
    assert render("a\n{%- if true %} b{% endif %}", {}) == "a b"


def test_trailing_newline_is_kept() -> None:
    assert render("{{ 'x' }}\n", {}) == "x\n"


def test_filter_block() -> None:
    assert render("{% filter upper %}hello {{ 'you' }}{% endfilter %}", {}) == "HELLO YOU"


def test_macro() -> None:
    template = "{% macro greet(name) %}hi {{ name }}{% endmacro %}{{ greet('bob') }}"
    assert render(template, {}) == "hi bob"


def test_strings_with_operator_characters_are_untouched() -> None:
    assert render("{{ 'a ?? b' }}", {}) == "a ?? b"
    assert render('{{ "1..2 ? x : y" }}', {}) == "1..2 ? x : y"
    assert render("{{ '}}' }}", {}) == "}}"
