"""The lines a script prints: log lines, and `::{...}::` lines carrying outputs and metrics.

A line that is exactly `::` + a JSON object + `::`, on standard output or standard error, is
not logged. Its `outputs` map is merged into the task's `vars` output (later keys win), its
`metrics` list is recorded on the attempt and its `logs` list is logged, each entry at its own
level. Any other line is logged: standard output at INFO, standard error at ERROR, as Kestra
1.x does.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from datetime import timedelta
from typing import Any

from lanner.durations import InvalidDuration, parse_duration
from lanner.runners import OutputStream
from lanner.worker.context import LEVELS, RunContext

OUTPUT_LINE = re.compile(r"^::(\{.*\})::$")
METRIC_TYPES = ("counter", "timer", "gauge")
# How many of the last standard error lines a failure message quotes.
STDERR_TAIL_LINES = 10
# How many characters of a bad `::{...}::` line a warning quotes.
_QUOTED_CHARACTERS = 200


class ScriptOutput:
    """Reads the lines of one command as they are printed and keeps what they send."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.vars: dict[str, Any] = {}
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self.stdout_lines = 0
        self.stderr_lines = 0

    def handle(self, line: str, stream: OutputStream) -> None:
        if stream is OutputStream.STDERR:
            self.stderr_lines += 1
        else:
            self.stdout_lines += 1
        match = OUTPUT_LINE.match(line)
        if match is not None:
            self._apply(match.group(1))
            return
        if stream is OutputStream.STDERR:
            self.stderr_tail.append(line)
            self.context.logger.error(line)
        else:
            self.context.logger.info(line)

    def _apply(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError as error:
            self._warn(f"ignored an invalid `::{{...}}::` line ({error}): {text}")
            return
        if not isinstance(message, dict):
            return
        outputs = message.get("outputs")
        if isinstance(outputs, dict):
            self.vars.update(outputs)
        elif outputs is not None:
            self._warn(f"ignored `outputs` that is not a map: {text}")
        for entry in self._entries(message, "metrics"):
            self._metric(entry)
        for entry in self._entries(message, "logs"):
            self._log(entry)

    def _entries(self, message: dict[str, Any], key: str) -> list[Any]:
        value = message.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self._warn(f"ignored `{key}` that is not a list: {json.dumps(value)}")
        return []

    def _metric(self, entry: Any) -> None:
        problem = _metric_problem(entry)
        if problem is not None:
            self._warn(f"ignored metric {json.dumps(entry)}: {problem}")
            return
        value = entry["value"]
        if entry["type"] == "timer":
            value = parse_duration(value) if isinstance(value, str) else timedelta(seconds=value)
        tags = {str(key): _tag_text(item) for key, item in (entry.get("tags") or {}).items()}
        self.context.add_metric(entry["type"], entry["name"], value, tags)

    def _log(self, entry: Any) -> None:
        if not isinstance(entry, dict) or not isinstance(entry.get("message"), str):
            self._warn(f"ignored log entry {json.dumps(entry)}: it needs a text `message`")
            return
        level = str(entry.get("level") or "INFO").upper()
        level = "WARN" if level == "WARNING" else level
        if level not in LEVELS:
            self._warn(f"log entry level {level!r} is unknown; logged at INFO")
            level = "INFO"
        self.context.logger.log(level, entry["message"])

    def _warn(self, message: str) -> None:
        if len(message) > _QUOTED_CHARACTERS:
            message = message[:_QUOTED_CHARACTERS] + "..."
        self.context.logger.warn(message)


def _metric_problem(entry: Any) -> str | None:
    """Describe what is wrong with a metric entry, or return None when it is valid."""
    if not isinstance(entry, dict):
        return "a metric is a map with `name`, `type` and `value`"
    if not isinstance(entry.get("name"), str) or not entry["name"]:
        return "`name` must be a non-empty text"
    if entry.get("type") not in METRIC_TYPES:
        return f"`type` must be one of {', '.join(METRIC_TYPES)}"
    value = entry.get("value")
    if entry["type"] == "timer" and isinstance(value, str):
        try:
            parse_duration(value)
        except InvalidDuration as error:
            return str(error)
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "`value` must be a finite number (seconds for a timer)"
    tags = entry.get("tags")
    if tags is not None and not isinstance(tags, dict):
        return "`tags` must be a map"
    return None


def _tag_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)
