"""Text filters, with Kestra's argument names and null handling."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.expressions import ExpressionError, render, render_typed

CONTEXT: dict[str, Any] = {"nothing": None, "name": "mitch", "multi": "a\nb\nc", "crlf": "a\r\nb"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'quiet sentence' | upper }}", "QUIET SENTENCE"),
        ("{{ 'LOUD TEXT' | lower }}", "loud text"),
        ("{{ 'article title' | capitalize }}", "Article title"),
        ("{{ 'article TITLE' | capitalize }}", "Article TITLE"),
        ("{{ 'article title' | title }}", "Article Title"),
        ("{{ 'hello   big\tworld' | title }}", "Hello   Big\tWorld"),
        ("{{ '   padded text   ' | trim }}", "padded text"),
        (
            "{{ 'I like %this% and %that%.' | replace({'%this%': name, '%that%': 'bar'}) }}",
            "I like mitch and bar.",
        ),
        ("{{ 'aaa' | replace('a', 'b') }}", "bbb"),
        ("{{ 'a1b22' | replace({'\\\\d+': '#'}, regexp=true) }}", "a#b#"),
        ("{{ 'a1b22' | replace({'(\\\\d)': '<$1>'}, true) }}", "a<1>b<2><2>"),
        ("{{ 'x.y' | replace({'.': '-'}) }}", "x-y"),
        ("{{ \"Can't be here\" | escapeChar('single') }}", "Can\\'t be here"),
        ("{{ '\"Hello\"' | escapeChar('double') }}", '\\"Hello\\"'),
        ("{{ \"L'eau c'est la vie\" | escapeChar('shell') }}", "L'\\''eau c'\\''est la vie"),
        ("{{ \"it's\" | escapeChar('SINGLE') }}", "it\\'s"),
        ("{{ '' | escapeChar('single') }}", ""),
        ("{{ 'a.b.c' | substringBefore('.') }}", "a"),
        ("{{ 'a.b.c' | substringAfter('.') }}", "b.c"),
        ("{{ 'a.b.c' | substringBeforeLast('.') }}", "a.b"),
        ("{{ 'a.b.c' | substringAfterLast('.') }}", "c"),
        ("{{ 'abc' | substringBefore('z') }}", "abc"),
        ("{{ 'abc' | substringAfter('z') }}", ""),
        ("{{ 'abc' | substringBeforeLast('z') }}", "abc"),
        ("{{ 'abc' | substringAfterLast('z') }}", ""),
        ("{{ 'abc' | substringBefore('') }}", ""),
        ("{{ 'abc' | substringAfter('') }}", "abc"),
        ("{{ 'this is a long sentence.' | abbreviate(7) }}", "this..."),
        ("{{ 'short' | abbreviate(10) }}", "short"),
        ("{{ 'Hello World!' | slugify }}", "hello-world"),
        ("{{ 'Crème Brûlée, à la carte' | slugify }}", "creme-brulee-a-la-carte"),
        ("{{ '--A--' | slugify }}", "a"),
        ("{{ 123 | string }}", "123"),
        ("{{ 1.5 | string }}", "1.5"),
        ("{{ true | string }}", "true"),
        ("{{ multi | indent(2) }}", "a\n  b\n  c"),
        ("{{ multi | nindent(2) }}", "\n  a\n  b\n  c"),
        ("{{ multi | indent(1, '>') }}", "a\n>b\n>c"),
        ("{{ crlf | indent(2) }}", "a\r\n  b"),
        ("{{ 'one' | indent(4) }}", "one"),
        ("{{ 'one' | nindent(4) }}", "\n    one"),
        ("{{ '' | nindent(4) }}", ""),
    ],
)
def test_text_filters(template: str, expected: str) -> None:
    assert render(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'apple,banana,cherry' | split(',') }}", ["apple", "banana", "cherry"]),
        ("{{ 'apple,banana,cherry,grape' | split(',', 2) }}", ["apple", "banana,cherry,grape"]),
        ("{{ 'a,b,,' | split(',') }}", ["a", "b"]),
        ("{{ 'a,b,,' | split(',', -1) }}", ["a", "b", "", ""]),
        ("{{ 'a.b.c' | split('\\\\.') }}", ["a", "b", "c"]),
        ("{{ 'a1b22c' | split('\\\\d+') }}", ["a", "b", "c"]),
        ("{{ 'a(1)b' | split('(\\\\d)') }}", ["a(", ")b"]),
        ("{{ 'abc' | split('') }}", ["a", "b", "c"]),
        ("{{ ',a' | split(',') }}", ["", "a"]),
        ("{{ '' | split(',') }}", [""]),
        ("{{ 'nothing here' | split(',') }}", ["nothing here"]),
        ("{{ 'a,b' | split(delimiter=',', limit=1) }}", ["a,b"]),
        ("{{ 'hello world' | startsWith('hello') }}", True),
        ("{{ 'hello world' | startsWith('world') }}", False),
        ("{{ 'hello world' | endsWith('world') }}", True),
        ("{{ nothing | upper }}", None),
        ("{{ nothing | split(',') }}", None),
        ("{{ nothing | escapeChar('single') }}", None),
        ("{{ nothing | replace({'a': 'b'}) }}", None),
        ("{{ nothing | trim }}", None),
    ],
)
def test_text_filters_typed(template: str, expected: Any) -> None:
    assert render_typed(template, CONTEXT) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'Hello' | escapeChar('foo') }}", "escapeChar needs the type"),
        ("{{ 'Hello' | escapeChar('') }}", "escapeChar needs the type"),
        ("{{ 'Hello' | escapeChar }}", "escapeChar needs the type"),
        ("{{ 'a' | split }}", "needs the argument 'delimiter'"),
        ("{{ 'a' | split('[') }}", "invalid regular expression"),
        ("{{ 'a' | replace('a') }}", "needs the argument 'replacement'"),
        ("{{ 'a' | abbreviate(2) }}", "at least 4"),
        ("{{ 'a' | indent(-1) }}", "0 or more"),
        ("{{ 'a' | indent('x') }}", "whole number"),
        ("{{ missing | upper }}", "undefined variable 'missing'"),
        ("{{ 'a' | replace({missing: 'b'}) }}", "undefined variable 'missing'"),
    ],
)
def test_text_filter_errors(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        render(template, CONTEXT)
