"""The log format of CLI commands that are not servers."""

from __future__ import annotations

import logging

from lanner.cli.log_setup import ShortFormatter


def _record(level: int, message: str, *arguments: object) -> logging.LogRecord:
    return logging.LogRecord("lanner.flows", level, __file__, 1, message, arguments, None)


def test_short_formatter_names_level() -> None:
    formatter = ShortFormatter()

    warning = formatter.format(_record(logging.WARNING, "ignoring inputs: %s", "x"))
    error = formatter.format(_record(logging.ERROR, "lost"))

    assert warning == "Warning: ignoring inputs: x"
    assert error == "Error: lost"
