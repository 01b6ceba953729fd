"""Jinja2 lexer extended with Pebble's tokens: `??`, `???`, `?`, `..` and `{% verbatim %}`.

Written against jinja2 3.1 (pinned in pyproject.toml): it rebuilds two of the lexer's
rule lists, whose layout is internal to Jinja2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from jinja2.lexer import (
    TOKEN_DATA,
    TOKEN_OPERATOR,
    TOKEN_RAW_END,
    Lexer,
    OptionalLStrip,
    Token,
    _Rule,
    compile_rules,
    operator_re,
)

if TYPE_CHECKING:
    from jinja2 import Environment

# Listed from the longest down, because the regex alternation takes the first that matches.
PEBBLE_OPERATORS: dict[str, str] = {
    "???": "undefinedcoalesce",
    "??": "nullcoalesce",
    "?": "question",
    "..": "range",
}
_PEBBLE_OPERATOR_RE = re.compile(
    "|".join(re.escape(operator) for operator in PEBBLE_OPERATORS) + "|" + operator_re.pattern
)

VERBATIM_BEGIN = "verbatim_begin"


class PebbleLexer(Lexer):
    """Lexer that also reads Pebble's operators and the `verbatim` tag (an alias of `raw`)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        for rules in self.rules.values():
            for index, rule in enumerate(rules):
                if rule.pattern is operator_re:
                    rules[index] = _Rule(_PEBBLE_OPERATOR_RE, rule.tokens, rule.command)
        self._add_verbatim_rules(environment)

    def _add_verbatim_rules(self, environment: Environment) -> None:
        """Make `{% verbatim %}...{% endverbatim %}` behave as a raw block with its own end tag."""
        block_start = re.escape(environment.block_start_string)
        block_end = re.escape(environment.block_end_string)
        flags = re.M | re.S

        raw_begin = (
            rf"(?P<raw_begin>{block_start}(\-|\+|)\s*raw\s*(?:\-{block_end}\s*|{block_end}))"
        )
        verbatim_begin = (
            rf"(?P<{VERBATIM_BEGIN}>{block_start}(\-|\+|)\s*verbatim\s*"
            rf"(?:\-{block_end}\s*|{block_end}))"
        )
        tag_starts = [
            rf"(?P<{name}>{pattern}(\-|\+|))" for name, pattern in compile_rules(environment)
        ]
        alternatives = "|".join([raw_begin, verbatim_begin, *tag_starts])
        self.rules["root"][0] = _Rule(
            re.compile(rf"(.*?)(?:{alternatives})", flags),
            OptionalLStrip(TOKEN_DATA, "#bygroup"),  # type: ignore[no-untyped-call]
            "#bygroup",
        )
        verbatim_end = re.compile(
            rf"(.*?)((?:{block_start}(\-|\+|))\s*endverbatim\s*"
            rf"(?:\+{block_end}|\-{block_end}\s*|{block_end}))",
            flags,
        )
        self.rules[VERBATIM_BEGIN] = [
            _Rule(verbatim_end, OptionalLStrip(TOKEN_DATA, TOKEN_RAW_END), "#pop"),  # type: ignore[no-untyped-call]
            # Reuse the raw block's "missing end" failure rule.
            *self.rules["raw_begin"][1:],
        ]

    def wrap(
        self,
        stream: Iterable[tuple[int, str, str]],
        name: str | None = None,
        filename: str | None = None,
    ) -> Iterator[Token]:
        for lineno, token, value in stream:
            if token == TOKEN_OPERATOR and value in PEBBLE_OPERATORS:
                yield Token(lineno, PEBBLE_OPERATORS[value], value)
            elif token == VERBATIM_BEGIN:
                continue
            else:
                yield from super().wrap([(lineno, token, value)], name, filename)
