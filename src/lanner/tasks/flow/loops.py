"""Loop values, as ForEach, EachSequential and EachParallel read them."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from lanner.errors import ExpressionError
from lanner.executor.flowable import FlowableContext
from lanner.expressions import to_text


def _reject_null_items(values: Any) -> Any:
    """Reject a literal list with null items, which `resolve_values` would fail on at run time.

    An item written as an expression may still render to null, which the run-time check reports.
    """
    if not isinstance(values, list):
        return values
    nulls = [index for index, item in enumerate(values) if item is None]
    if not nulls:
        return values
    if len(nulls) == 1:
        message = f"null item at index {nulls[0]}"
        hint = "remove the item or write a value in its place"
    else:
        message = "null items at indexes " + ", ".join(str(index) for index in nulls)
        hint = "remove the items or write values in their place"
    raise PydanticCustomError("null_loop_item", message, {"hint": hint, "index": nulls[0]})


# Loop values as written: a list, JSON text or an expression.
LoopValues = Annotated[Any, AfterValidator(_reject_null_items)]


def resolve_values(raw: Any, context: FlowableContext, task_id: str) -> list[str]:
    """Render loop values into the list of iteration values.

    The values may be a list, JSON text or an expression. Duplicates are removed in order, a
    null item is an error, and an item that is not text becomes its JSON text, which is both
    `taskrun.value` and the key of the iteration's outputs.
    """
    values = context.render_typed(raw, "values")
    if isinstance(values, str):
        try:
            values = json.loads(values)
        except json.JSONDecodeError as error:
            raise ExpressionError(
                f"property 'values' of task {task_id!r} must be a list or a JSON array, "
                f"got {values!r}"
            ) from error
    if not isinstance(values, (list, tuple)):
        kind = "a map" if isinstance(values, dict) else type(values).__name__
        raise ExpressionError(
            f"property 'values' of task {task_id!r} must be a list or a JSON array, "
            f"got {kind}: {to_text(values)}"
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
