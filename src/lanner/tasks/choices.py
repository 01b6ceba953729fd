"""Property types for a closed set of values, such as Pause's `behavior` or an execution state.

Kestra renders most enum properties, so an expression is accepted in place of a value unless the
property is declared static. A wrong value is reported with the accepted ones as the fix.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from lanner.tasks.properties import is_expression

# Kestra 1.x's execution states (`State.Type`), as `stopAfter`, a Flow trigger's `states` and the
# ExecutionStatus condition accept them.
EXECUTION_STATES = (
    "CREATED",
    "SUBMITTED",
    "RUNNING",
    "PAUSED",
    "RESTARTED",
    "KILLING",
    "SUCCESS",
    "WARNING",
    "FAILED",
    "KILLED",
    "CANCELLED",
    "QUEUED",
    "RETRYING",
    "RETRIED",
    "SKIPPED",
    "BREAKPOINT",
    "RESUBMITTED",
)

LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def _checker(values: tuple[str, ...], dynamic: bool) -> Any:
    def check(value: Any) -> Any:
        if dynamic and is_expression(value):
            return value
        if isinstance(value, str) and value in values:
            return value
        raise PydanticCustomError(
            "invalid_choice",
            "invalid value {value}",
            {"value": repr(value), "hint": "use one of: " + ", ".join(values)},
        )

    return check


def one_of(*values: str, dynamic: bool = True) -> BeforeValidator:
    """Limit a text property to `values`; a dynamic one also takes an expression.

    Use it as `Annotated[str, one_of("A", "B")]`.
    """
    return BeforeValidator(_checker(values, dynamic))


ExecutionState = Annotated[str, one_of(*EXECUTION_STATES, dynamic=False)]
