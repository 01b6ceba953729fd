"""Send outputs, metrics and log lines from a Python script task to Lanner.

Each function prints one `::{...}::` line on standard output, the format Kestra's script tasks
read, so the same lines work on Kestra with its own helper package:

    import lanner_helpers

    lanner_helpers.outputs({"rows": 42, "status": "done"})
    lanner_helpers.counter("rows", 42, {"table": "orders"})
    lanner_helpers.timer("load", 1.5)
    with lanner_helpers.timed("transform"):
        ...

This module uses only the standard library and runs on Python 3.9 and later.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["counter", "gauge", "log", "outputs", "timed", "timer"]

_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def outputs(values: Mapping[str, Any]) -> None:
    """Send outputs, merged into the task's `vars` output: a dict of JSON values."""
    if not isinstance(values, Mapping):
        raise TypeError(f"outputs() takes a dict of output names to values, got {values!r}")
    if values:
        _send({"outputs": dict(values)})


def counter(name: str, value: float, tags: Mapping[str, Any] | None = None) -> None:
    """Send a counter metric: a number of things counted, such as rows processed."""
    _send_metric("counter", name, value, tags)


def gauge(name: str, value: float, tags: Mapping[str, Any] | None = None) -> None:
    """Send a gauge metric: a value measured at one moment, such as a queue length."""
    _send_metric("gauge", name, value, tags)


def timer(
    name: str, seconds: float | Callable[[], object], tags: Mapping[str, Any] | None = None
) -> None:
    """Send a timer metric of `seconds`, or of the time a callable takes when given one."""
    if callable(seconds):
        started = time.perf_counter()
        seconds()
        seconds = time.perf_counter() - started
    _send_metric("timer", name, seconds, tags)


@contextmanager
def timed(name: str, tags: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Send a timer metric of the time the `with` block takes, also when it raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _send_metric("timer", name, time.perf_counter() - started, tags)


def log(level: str, message: object) -> None:
    """Write a log line at a level: TRACE, DEBUG, INFO, WARN or ERROR."""
    level = "WARN" if str(level).upper() == "WARNING" else str(level).upper()
    if level not in _LEVELS:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(_LEVELS)}")
    _send({"logs": [{"level": level, "message": str(message)}]})


def _send_metric(kind: str, name: str, value: object, tags: Mapping[str, Any] | None) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a metric needs a non-empty text name, got {name!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"metric {name!r} needs a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"metric {name!r} needs a finite number, got {value!r}")
    entry: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if tags:
        entry["tags"] = {str(key): str(item) for key, item in tags.items()}
    _send({"metrics": [entry]})


def _send(message: dict[str, Any]) -> None:
    # ASCII-only JSON keeps the line intact whatever the encoding of standard output, and
    # escapes line breaks inside values, so one message is always one line.
    line = json.dumps(message, default=_json_default, allow_nan=False, separators=(",", ":"))
    sys.stdout.write("::" + line + "::\n")
    sys.stdout.flush()


def _json_default(value: object) -> object:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(
        f"output value {value!r} of type {type(value).__name__} is not JSON; convert it to "
        "text, a number, a boolean, a list or a dict first"
    )
