"""Preconditions of Flow triggers: upstream executions that must all happen in a time window.

A precondition block (`preconditions`, or a legacy `MultipleCondition`) lists conditions, one
per upstream flow and one per `where` filter. Each upstream execution marks the conditions it
meets in the current window; when every condition is marked, the trigger fires and, with
`resetOnSuccess` (the default), the window starts over. The window is stored in the trigger's
row, which the caller holds locked, so two upstream executions ending at once are both counted.

Windows follow Kestra 1.x, computed in UTC:

- `DURATION_WINDOW` (the default, `window` P1D): consecutive windows of `window`, starting at
  midnight for windows of a day or more, at the hour for windows of an hour or more, shifted
  by `windowAdvance`;
- `SLIDING_WINDOW`: a window of `window` that opens with the first matching execution;
- `DAILY_TIME_WINDOW`: from `startTime` to `endTime` each day;
- `DAILY_TIME_DEADLINE`: from midnight to `deadline` each day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from lanner.durations import parse_duration
from lanner.errors import LannerError
from lanner.executions.model import Execution
from lanner.expressions import is_truthy, render
from lanner.timestamps import format_timestamp, parse_timestamp
from lanner.triggers.conditions import MultipleCondition, TimeWindow
from lanner.triggers.evaluation import ConditionContext, condition_met, namespace_matches
from lanner.triggers.flow_trigger import ExecutionFilter, Filter, Preconditions, UpstreamFlow

# Tests whether an upstream execution meets one condition of a block.
Check = Callable[[Execution, ConditionContext], bool]

DEFAULT_WINDOW = timedelta(days=1)


@dataclass
class Block:
    """One precondition block: its id, its conditions by key, and its window."""

    id: str
    checks: dict[str, Check]
    time_window: TimeWindow
    reset_on_success: bool = True


def block_of_preconditions(preconditions: Preconditions) -> Block:
    checks: dict[str, Check] = {}
    for index, upstream in enumerate(preconditions.flows or []):
        checks[f"flow_{index}"] = _upstream_check(upstream)
    for execution_filter in preconditions.where or []:
        checks[f"where_{execution_filter.id}"] = _filter_check(execution_filter)
    return Block(
        id=preconditions.id,
        checks=checks,
        time_window=preconditions.time_window or TimeWindow(),
        reset_on_success=preconditions.reset_on_success,
    )


def block_of_condition(condition: MultipleCondition) -> Block:
    checks: dict[str, Check] = {
        key: _condition_check(item) for key, item in condition.conditions.items()
    }
    window = condition.time_window or condition.sla
    if window is None:
        window = TimeWindow(window=condition.window, window_advance=condition.window_advance)
    return Block(condition.id, checks, window, condition.reset_on_success)


def evaluate_block(
    block: Block,
    stored: dict[str, Any] | None,
    execution: Execution,
    context: ConditionContext,
    now: datetime,
) -> tuple[bool, dict[str, Any] | None, dict[str, Any]]:
    """Count `execution` in the block's window.

    Return whether every condition is now met, the window to store (None to drop it), and the
    outputs of the matching executions merged, for `trigger.outputs`.
    """
    window = _current_window(stored, block.time_window, now)
    start, end = parse_timestamp(window["start"]), parse_timestamp(window["end"])
    if not start <= now <= end:
        return False, stored, {}
    met = [key for key, check in block.checks.items() if check(execution, context)]
    if not met:
        return False, stored, {}
    results = dict(window.get("results") or {})
    results.update({key: True for key in met})
    outputs = _deep_merge(dict(window.get("outputs") or {}), execution.outputs or {})
    window = {**window, "results": results, "outputs": outputs}
    complete = all(results.get(key) for key in block.checks)
    if complete and block.reset_on_success:
        return True, None, outputs
    return complete, window, outputs


def _current_window(
    stored: dict[str, Any] | None, time_window: TimeWindow, now: datetime
) -> dict[str, Any]:
    if stored and parse_timestamp(stored["start"]) <= now <= parse_timestamp(stored["end"]):
        return stored
    start, end = window_bounds(time_window, now)
    return {"start": format_timestamp(start), "end": format_timestamp(end), "results": {}}


def window_bounds(time_window: TimeWindow, now: datetime) -> tuple[datetime, datetime]:
    """Compute the window that a new first matching execution at `now` opens."""
    kind = time_window.type
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "DAILY_TIME_WINDOW":
        return (
            _at(midnight, time_window.start_time or "00:00:00"),
            _at(midnight, time_window.end_time or "23:59:59.999"),
        )
    if kind == "DAILY_TIME_DEADLINE":
        return midnight, _at(midnight, time_window.deadline or "23:59:59.999")
    length = _duration(time_window.window) or DEFAULT_WINDOW
    if kind == "SLIDING_WINDOW":
        return now, now + length
    start = now.replace(microsecond=0)
    if length >= timedelta(days=1):
        start = midnight
    elif length >= timedelta(hours=1):
        start = start.replace(minute=0, second=0)
    elif length >= timedelta(minutes=1):
        minutes = int(length.total_seconds() // 60)
        start = start.replace(minute=(start.minute // minutes) * minutes, second=0)
    start += _duration(time_window.window_advance) or timedelta(0)
    return start, start + length - timedelta(milliseconds=1)


def _duration(value: timedelta | str | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return parse_duration(value)


def _at(midnight: datetime, text: str) -> datetime:
    moment = time.fromisoformat(re.sub(r"(Z|[+-]\d{2}:?\d{2})$", "", text.strip()))
    return midnight.replace(
        hour=moment.hour,
        minute=moment.minute,
        second=moment.second,
        microsecond=moment.microsecond,
    )


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


# --- the checks -----------------------------------------------------------------------------


def _upstream_check(upstream: UpstreamFlow) -> Check:
    def check(execution: Execution, context: ConditionContext) -> bool:
        if execution.namespace != upstream.namespace:
            return False
        if upstream.flow_id is not None and execution.flow_id != upstream.flow_id:
            return False
        if upstream.states and execution.state.value not in upstream.states:
            return False
        labels = {label["key"]: label["value"] for label in execution.labels}
        return all(
            labels.get(str(key)) == str(value) for key, value in (upstream.labels or {}).items()
        )

    return check


def _condition_check(condition: Any) -> Check:
    def check(execution: Execution, context: ConditionContext) -> bool:
        try:
            return condition_met(condition, context)
        except LannerError:
            return False

    return check


def _filter_check(execution_filter: ExecutionFilter) -> Check:
    def check(execution: Execution, context: ConditionContext) -> bool:
        results = (_filter_met(item, execution, context) for item in execution_filter.filters)
        if execution_filter.operand == "OR":
            return any(results)
        return all(results)

    return check


def _filter_met(item: Filter, execution: Execution, context: ConditionContext) -> bool:
    if item.field == "EXPRESSION":
        try:
            return is_truthy(render(item.value or "", context.variables))
        except LannerError:
            return False
    actual = {
        "FLOW_ID": execution.flow_id,
        "NAMESPACE": execution.namespace,
        "STATE": execution.state.value,
    }[item.field]
    value = item.value
    values = item.values or []
    match item.type:
        case "EQUAL_TO":
            return actual == value
        case "NOT_EQUAL_TO":
            return actual != value
        case "IN":
            return actual in values
        case "NOT_IN":
            return actual not in values
        case "STARTS_WITH":
            return value is not None and namespace_matches(actual, value, "PREFIX")
        case "ENDS_WITH":
            return value is not None and actual.endswith(value)
        case "CONTAINS":
            return value is not None and value in actual
        case "REGEX":
            return value is not None and re.fullmatch(value, actual) is not None
        case "IS_NULL":
            return actual is None
        case "IS_NOT_NULL":
            return actual is not None
        case "IS_TRUE":
            return is_truthy(actual)
        case "IS_FALSE":
            return not is_truthy(actual)
    return False
