"""Jinja2 parser that reads expressions with Pebble's operators and precedence.

Statements (`if`, `for`, `set`, `raw`, macros) keep Jinja2's parser, with two Pebble
additions: `{% elseif %}` (Jinja2's `elif` is also accepted) and Pebble's truth rule for
conditions. Expressions use a precedence-climbing parser driven by `precedence.py`.
"""

from __future__ import annotations

from typing import cast

from jinja2 import nodes
from jinja2.parser import Parser

from lanner.expressions.nodes import condition, operator
from lanner.expressions.precedence import BINARY_PRECEDENCE, UNARY_PRECEDENCE

# Pebble spells its literals in lower and upper case; Jinja2 adds the Python spellings.
_LITERALS: dict[str, object] = {
    "null": None,
    "NULL": None,
    "none": None,
    "NONE": None,
    "None": None,
    "true": True,
    "TRUE": True,
    "True": True,
    "false": False,
    "FALSE": False,
    "False": False,
}

# Binary operator -> name of its function in operators.OPERATORS.
_OPERATOR_FUNCTIONS = {
    "eq": "eq",
    "name:equals": "eq",
    "ne": "ne",
    "lt": "lt",
    "lteq": "lteq",
    "gt": "gt",
    "gteq": "gteq",
    "add": "add",
    "sub": "sub",
    "mul": "mul",
    "div": "div",
    "mod": "mod",
    "tilde": "concat",
    "range": "range",
    "name:contains": "contains",
    "nullcoalesce": "coalesce_null",
    "undefinedcoalesce": "coalesce_undefined",
}


class PebbleParser(Parser):
    """Parser for Kestra's Pebble dialect on top of Jinja2 3.1's statement parser."""

    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        # Jinja2's `x if c else y` does not exist in Pebble; its ternary `c ? x : y` does.
        return self._parse_binary(0)

    def _parse_binary(self, min_precedence: int) -> nodes.Expr:
        node = self._parse_operand()
        while True:
            key = self._binary_operator_key()
            if key is None or BINARY_PRECEDENCE[key] < min_precedence:
                break
            node = self._parse_right_side(key, node)
        if min_precedence == 0 and self.stream.current.type == "question":
            node = self._parse_ternary(node)
        return node

    def _binary_operator_key(self) -> str | None:
        token = self.stream.current
        key = f"name:{token.value}" if token.type == "name" else token.type
        return key if key in BINARY_PRECEDENCE else None

    def _parse_operand(self) -> nodes.Expr:
        token = self.stream.current
        if token.test("name:not"):
            next(self.stream)
            operand = self._parse_binary(UNARY_PRECEDENCE)
            return nodes.Not(condition(operand), lineno=token.lineno)
        if token.type in ("sub", "add"):
            next(self.stream)
            operand = self._parse_binary(UNARY_PRECEDENCE)
            name = "negate" if token.type == "sub" else "plus"
            return operator(name, operand, lineno=token.lineno)
        return self.parse_postfix(self.parse_primary())

    def _parse_right_side(self, key: str, left: nodes.Expr) -> nodes.Expr:
        lineno = self.stream.current.lineno
        if key == "pipe":
            next(self.stream)
            filtered = self.parse_filter(left, start_inline=True)
            assert filtered is not None
            return filtered
        if key == "name:is":
            return self._parse_test(left)

        next(self.stream)
        # Every Pebble binary operator is left-associative, so the right side binds tighter.
        right = self._parse_binary(BINARY_PRECEDENCE[key] + 1)
        if key == "name:or":
            return nodes.Or(condition(left), condition(right), lineno=lineno)
        if key == "name:and":
            return nodes.And(condition(left), condition(right), lineno=lineno)
        return operator(_OPERATOR_FUNCTIONS[key], left, right, lineno=lineno)

    def _parse_test(self, node: nodes.Expr) -> nodes.Expr:
        """Parse `is [not] name` or `is [not] name(args)` after a value."""
        token = next(self.stream)
        negated = self.stream.skip_if("name:not")
        name = self.stream.expect("name").value
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        dyn_args = dyn_kwargs = None
        if self.stream.current.type == "lparen":
            args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
        test: nodes.Expr = nodes.Test(
            node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno
        )
        if negated:
            test = nodes.Not(test, lineno=token.lineno)
        return test

    def _parse_ternary(self, test: nodes.Expr) -> nodes.Expr:
        lineno = next(self.stream).lineno
        when_true = self._parse_binary(0)
        self.stream.expect("colon")
        when_false = self._parse_binary(0)
        return nodes.CondExpr(condition(test), when_true, when_false, lineno=lineno)

    def parse_primary(self, with_namespace: bool = False) -> nodes.Expr:
        token = self.stream.current
        if token.type == "name" and token.value in _LITERALS:
            next(self.stream)
            return nodes.Const(_LITERALS[token.value], lineno=token.lineno)
        return super().parse_primary(with_namespace)

    def parse_if(self) -> nodes.If:
        """Parse `if` with Pebble's `elseif` (and Jinja2's `elif`) branches."""
        result = nodes.If(lineno=self.stream.expect("name:if").lineno)
        branch = result
        branch_ends = ("name:elseif", "name:elif", "name:else", "name:endif")
        while True:
            branch.test = condition(self.parse_tuple(with_condexpr=False))
            branch.body = self.parse_statements(branch_ends)
            branch.elif_ = []
            branch.else_ = []
            token = next(self.stream)
            if token.test_any("name:elseif", "name:elif"):
                branch = nodes.If(lineno=self.stream.current.lineno)
                result.elif_.append(branch)
                continue
            if token.test("name:else"):
                result.else_ = self.parse_statements(("name:endif",), drop_needle=True)
            return result

    def parse_for(self) -> nodes.For:
        """Parse `for`; maps iterate as entries with `.key` and `.value`, as in Pebble."""
        node = super().parse_for()
        node.iter = operator("for_iterable", cast(nodes.Expr, node.iter), lineno=node.lineno)
        if node.test is not None:
            node.test = condition(cast(nodes.Expr, node.test))
        return node
