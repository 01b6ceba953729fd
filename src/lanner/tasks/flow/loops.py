"""Loop values, as ForEach, EachSequential and EachParallel read them."""

from __future__ import annotations

import json
from typing import Any

from lanner.errors import ExpressionError
from lanner.executor.flowable import FlowableContext


def resolve_values(raw: Any, context: FlowableContext, task_id: str) -> list[str]:
    """Render loop values into the list of iteration values.

    The values may be a list, JSON text or an expression. Duplicates are removed in order, a
    null item is an error, and an item that is not text becomes its JSON text, which is both
    `taskrun.value` and the key of the iteration's outputs.
    """
    values = context.render_typed(raw)
    if isinstance(values, str):
        try:
            values = json.loads(values)
        except json.JSONDecodeError as error:
            raise ExpressionError(
                f"the values of task {task_id!r} must be a list or a JSON array, got {values!r}"
            ) from error
    if not isinstance(values, (list, tuple)):
        raise ExpressionError(
            f"the values of task {task_id!r} must be a list or a JSON array, "
            f"got {type(values).__name__}: {values!r}"
        )
    result: list[str] = []
    seen: set[str] = set()
    nulls = 0
    for item in values:
        if item is None:
            nulls += 1
            continue
        text = (
            item
            if isinstance(item, str)
            else json.dumps(item, separators=(",", ":"), ensure_ascii=False)
        )
        if text not in seen:
            seen.add(text)
            result.append(text)
    if nulls:
        raise ExpressionError(
            f"the values of task {task_id!r} contain {nulls} null item(s); remove them or "
            "replace them with text"
        )
    return result
