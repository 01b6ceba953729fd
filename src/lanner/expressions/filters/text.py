"""Filters that work on text. Lists and maps given to them are first written as JSON text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from lanner.errors import ExpressionError
from lanner.expressions.filters.common import (
    java_regex,
    java_replacement,
    text_argument,
    text_filter,
    whole_number_argument,
)
from lanner.expressions.text import to_text
from lanner.expressions.undefined import raise_if_undefined


@text_filter
def upper(text: str) -> str:
    return text.upper()


@text_filter
def lower(text: str) -> str:
    return text.lower()


@text_filter
def capitalize(text: str) -> str:
    """Upper-case the first character and keep the rest as it is (Pebble, unlike Jinja2)."""
    return text[:1].title() + text[1:]


@text_filter
def title(text: str) -> str:
    """Upper-case the first character after each whitespace; keep the others as they are."""
    characters: list[str] = []
    start_of_word = True
    for char in text:
        if char.isspace():
            start_of_word = True
        elif start_of_word:
            char = char.title()
            start_of_word = False
        characters.append(char)
    return "".join(characters)


@text_filter
def trim(text: str) -> str:
    return text.strip()


@text_filter
def replace(
    text: str, replace_pairs: Any = None, replacement: Any = None, regexp: Any = False
) -> str:
    """Replace text: `replace({'a': 'b', 'c': 'd'})` (Pebble), or `replace('a', 'b')`.

    With `regexp=true` the keys are Java regular expressions and `$1` refers to a group.
    """
    raise_if_undefined(replace_pairs)
    if isinstance(replace_pairs, Mapping):
        if isinstance(replacement, bool):
            regexp = replacement
        pairs = [
            (text_argument(key, "replace", "search"), to_text(value))
            for key, value in replace_pairs.items()
        ]
    else:
        search = text_argument(replace_pairs, "replace", "search")
        pairs = [(search, text_argument(replacement, "replace", "replacement"))]
    for search, substitute in pairs:
        if regexp is True:
            text = java_regex(search).sub(java_replacement(substitute), text)
        else:
            text = text.replace(search, substitute)
    return text


@text_filter
def split(text: str, delimiter: Any = None, limit: Any = 0) -> list[str]:
    """Split on a Java regular expression, with Java's `String.split` rules.

    `limit` > 0 keeps at most that many parts (the last contains the rest); 0 drops trailing
    empty parts; < 0 keeps them.
    """
    pattern = java_regex(text_argument(delimiter, "split", "delimiter"))
    maximum = whole_number_argument(limit, "split", "limit")
    if text == "":
        return [""]
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if 0 < maximum <= len(parts) + 1:
            break
        if match.end() == 0:
            # A zero-width match at the start never produces a leading empty part in Java.
            continue
        parts.append(text[position : match.start()])
        position = match.end()
    parts.append(text[position:])
    if maximum == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


_ESCAPES = {
    "single": ("'", "\\'"),
    "double": ('"', '\\"'),
    "shell": ("'", "'\\''"),
}


@text_filter
def escape_char(text: str, type: Any = None) -> str:
    """Escape quotes: `single` (' -> \\'), `double` (" -> \\"), `shell` (' -> '\\'')."""
    raise_if_undefined(type)
    key = str(type).lower() if type is not None else ""
    if key not in _ESCAPES:
        raise ExpressionError(
            f"escapeChar needs the type 'single', 'double' or 'shell', got {type!r}"
        )
    quote, escaped = _ESCAPES[key]
    return text.replace(quote, escaped)


@text_filter
def starts_with(text: str, prefix: Any = None) -> bool:
    return text.startswith(text_argument(prefix, "startsWith", "prefix"))


@text_filter
def ends_with(text: str, suffix: Any = None) -> bool:
    return text.endswith(text_argument(suffix, "endsWith", "suffix"))


# The substring filters follow Apache Commons Lang's StringUtils, which Kestra uses.
@text_filter
def substring_before(text: str, separator: Any = None) -> str:
    """Text before the first separator; all the text when the separator is absent."""
    found = text.find(text_argument(separator, "substringBefore", "separator"))
    return text if found == -1 else text[:found]


@text_filter
def substring_after(text: str, separator: Any = None) -> str:
    """Text after the first separator; empty when the separator is absent."""
    search = text_argument(separator, "substringAfter", "separator")
    found = text.find(search)
    return "" if found == -1 else text[found + len(search) :]


@text_filter
def substring_before_last(text: str, separator: Any = None) -> str:
    """Text before the last separator; all the text when absent or empty."""
    search = text_argument(separator, "substringBeforeLast", "separator")
    found = text.rfind(search) if search else -1
    return text if found == -1 else text[:found]


@text_filter
def substring_after_last(text: str, separator: Any = None) -> str:
    """Text after the last separator; empty when absent, empty, or at the very end."""
    search = text_argument(separator, "substringAfterLast", "separator")
    found = text.rfind(search) if search else -1
    return "" if found == -1 else text[found + len(search) :]


def _line_separator(text: str) -> str:
    for separator in ("\r\n", "\n\r", "\n", "\r"):
        if separator in text:
            return separator
    return "\n"


def _indent(text: str, amount: Any, prefix: Any, filter_name: str, new_line_first: bool) -> str:
    count = whole_number_argument(amount, filter_name, "amount")
    if count < 0:
        raise ExpressionError(f"the {filter_name} filter needs an amount of 0 or more, got {count}")
    if text == "":
        return text
    padding = text_argument(prefix, filter_name, "prefix") * count
    separator = _line_separator(text)
    if new_line_first:
        text = separator + text
    return text.replace(separator, separator + padding)


@text_filter
def indent(text: str, amount: Any = None, prefix: Any = " ") -> str:
    """Indent every line but the first by `amount` copies of `prefix` (the first is in place)."""
    return _indent(text, amount, prefix, "indent", new_line_first=False)


@text_filter
def nindent(text: str, amount: Any = None, prefix: Any = " ") -> str:
    """Start with a line break, then indent every line by `amount` copies of `prefix`."""
    return _indent(text, amount, prefix, "nindent", new_line_first=True)


@text_filter
def abbreviate(text: str, length: Any = None) -> str:
    """Shorten to at most `length` characters, ending with "..." when cut."""
    maximum = whole_number_argument(length, "abbreviate", "length")
    if maximum < 4:
        raise ExpressionError(f"abbreviate needs a length of at least 4, got {maximum}")
    return text if len(text) <= maximum else text[: maximum - 3] + "..."


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@text_filter
def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Hello World!" becomes "hello-world"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_SLUG.sub("-", plain.lower()).strip("-")


@text_filter
def string(text: str) -> str:
    """Convert any value to its text form (numbers, booleans, JSON for lists and maps)."""
    return text


TEXT_FILTERS: dict[str, Callable[..., Any]] = {
    "upper": upper,
    "lower": lower,
    "capitalize": capitalize,
    "title": title,
    "trim": trim,
    "replace": replace,
    "split": split,
    "escapeChar": escape_char,
    "startsWith": starts_with,
    "endsWith": ends_with,
    "substringBefore": substring_before,
    "substringAfter": substring_after,
    "substringBeforeLast": substring_before_last,
    "substringAfterLast": substring_after_last,
    "indent": indent,
    "nindent": nindent,
    "abbreviate": abbreviate,
    "slugify": slugify,
    "string": string,
}
