"""Errors raised by the expression engine; every one derives from ExpressionError."""

from __future__ import annotations

from lanner.errors import ExpressionError


class ExpressionSyntaxError(ExpressionError):
    """An expression cannot be parsed; the message gives the line and the unexpected token."""


class UndefinedVariable(ExpressionError):
    """An expression used a variable or key that does not exist.

    `path` is the dotted path as written in the expression, such as `outputs.task.value`.
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class ServiceUnavailable(ExpressionError):
    """kv(), secret() or read() was called where the caller supplied no service for it."""


__all__ = ["ExpressionError", "ExpressionSyntaxError", "ServiceUnavailable", "UndefinedVariable"]
