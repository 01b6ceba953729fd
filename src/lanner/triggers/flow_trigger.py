"""Flow trigger: start an execution when executions of other flows change state."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from lanner.tasks.base import TaskProblem
from lanner.tasks.choices import ExecutionState, one_of
from lanner.tasks.identifiers import PluginId
from lanner.tasks.properties import MODEL_CONFIG, Text
from lanner.triggers.base import Trigger
from lanner.triggers.conditions import TimeWindow

# Filter types that compare with a list of `values`, and those that compare with nothing.
LIST_FILTERS = ("IN", "NOT_IN")
UNARY_FILTERS = ("IS_TRUE", "IS_FALSE", "IS_NULL", "IS_NOT_NULL")


class UpstreamFlow(BaseModel):
    """An upstream flow whose executions fulfil a precondition."""

    model_config = MODEL_CONFIG

    namespace: str
    flow_id: str | None = None
    states: list[ExecutionState] | None = None
    labels: dict[str, Any] | None = None


class Filter(BaseModel):
    model_config = MODEL_CONFIG

    field: Annotated[str, one_of("FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION", dynamic=False)]
    type: Annotated[
        str,
        one_of(
            "EQUAL_TO",
            "NOT_EQUAL_TO",
            "IN",
            "NOT_IN",
            "IS_TRUE",
            "IS_FALSE",
            "IS_NULL",
            "IS_NOT_NULL",
            "STARTS_WITH",
            "ENDS_WITH",
            "REGEX",
            "CONTAINS",
            dynamic=False,
        ),
    ]
    value: Text | None = None
    values: list[Text] | None = None


class ExecutionFilter(BaseModel):
    """Filters on upstream executions, combined with `operand`."""

    model_config = MODEL_CONFIG

    id: str = Field(min_length=1)
    operand: Annotated[str, one_of("AND", "OR", dynamic=False)] = "AND"
    filters: list[Filter] = Field(min_length=1)


class Preconditions(BaseModel):
    """Upstream executions that must all happen within a time window."""

    model_config = MODEL_CONFIG

    id: PluginId
    time_window: TimeWindow | None = None
    reset_on_success: bool = True
    flows: list[UpstreamFlow] | None = None
    where: list[ExecutionFilter] | None = None


class FlowTrigger(Trigger):
    type_names = (
        "io.kestra.plugin.core.trigger.Flow",
        "io.kestra.core.models.triggers.types.Flow",
    )

    inputs: dict[str, Any] | None = None
    # By default, Kestra evaluates terminal states and PAUSED.
    states: list[ExecutionState] | None = None
    preconditions: Preconditions | None = None

    def check(self) -> list[TaskProblem]:
        problems = []
        where = self.preconditions.where if self.preconditions else None
        for where_index, execution_filter in enumerate(where or []):
            for index, item in enumerate(execution_filter.filters):
                path = ("preconditions", "where", where_index, "filters", index)
                problem = _check_filter(item, path)
                if problem is not None:
                    problems.append(problem)
        return problems


def _check_filter(item: Filter, path: tuple[str | int, ...]) -> TaskProblem | None:
    if item.type in LIST_FILTERS and not item.values:
        return TaskProblem(
            (*path, "type"),
            f"a filter of type {item.type} compares with a list",
            "set 'values' to the list of accepted values",
        )
    # An EXPRESSION filter tests the expression written in `value`.
    needs_value = item.field == "EXPRESSION" or item.type not in (*LIST_FILTERS, *UNARY_FILTERS)
    if needs_value and item.value is None:
        return TaskProblem(
            (*path, "type"),
            f"a filter of type {item.type} on {item.field} needs a value",
            "set 'value'",
        )
    return None
