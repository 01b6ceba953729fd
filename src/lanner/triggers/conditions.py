"""Kestra 1.x's core trigger conditions (`io.kestra.plugin.core.condition.*`), as models.

Each condition keeps Kestra's older names: `io.kestra.core.models.conditions.types.XCondition`
and `io.kestra.plugin.core.condition.XCondition`. Date-based conditions test `date`, which is the
trigger date unless set. Conditions are not evaluated yet.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field

from lanner.tasks.choices import ExecutionState, one_of
from lanner.tasks.identifiers import PluginId
from lanner.tasks.labels import LabelList
from lanner.tasks.properties import MODEL_CONFIG, Duration, Text
from lanner.tasks.typed_union import typed_union

TRIGGER_DATE = "{{ trigger.date }}"

DayOfWeek = Annotated[
    str, one_of("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
]


def _names(name: str, *older: str) -> tuple[str, ...]:
    return (
        f"io.kestra.plugin.core.condition.{name}",
        f"io.kestra.core.models.conditions.types.{name}Condition",
        f"io.kestra.plugin.core.condition.{name}Condition",
        *older,
    )


class Condition(BaseModel):
    """The properties every condition has."""

    model_config = MODEL_CONFIG

    type_names: ClassVar[tuple[str, ...]] = ()

    type: str
    version: str | None = None


class DateTimeBetween(Condition):
    type_names = _names("DateTimeBetween")

    date: Text = TRIGGER_DATE
    after: Text | None = None
    before: Text | None = None


class DayWeek(Condition):
    type_names = _names("DayWeek")

    date: Text = TRIGGER_DATE
    day_of_week: DayOfWeek


class DayWeekInMonth(Condition):
    type_names = _names("DayWeekInMonth")

    date: Text = TRIGGER_DATE
    day_of_week: DayOfWeek
    day_in_month: Annotated[str, one_of("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")]


class ExecutionFlow(Condition):
    type_names = _names("ExecutionFlow")

    namespace: Text
    flow_id: Text


class ExecutionLabels(Condition):
    type_names = _names("ExecutionLabels")

    labels: LabelList


class ExecutionNamespace(Condition):
    type_names = _names("ExecutionNamespace")

    namespace: str
    comparison: Annotated[str, one_of("EQUALS", "PREFIX", "SUFFIX", dynamic=False)] | None = None
    # The older form of `comparison: PREFIX`, used only when `comparison` is not set.
    prefix: bool = False


class ExecutionOutputs(Condition):
    type_names = _names("ExecutionOutputs")

    expression: str


class ExecutionStatus(Condition):
    type_names = _names("ExecutionStatus")

    in_: list[ExecutionState] | None = Field(default=None, alias="in")
    not_in: list[ExecutionState] | None = None


class Expression(Condition):
    type_names = _names("Expression", "io.kestra.core.models.conditions.types.VariableCondition")

    expression: str


class FlowCondition(Condition):
    """The flow of the execution; deprecated in Kestra for ExecutionFlow."""

    type_names = (
        "io.kestra.plugin.core.condition.FlowCondition",
        "io.kestra.core.models.conditions.types.FlowCondition",
    )

    namespace: str
    flow_id: str


class FlowNamespaceCondition(Condition):
    """The namespace of the flow; deprecated in Kestra for ExecutionNamespace."""

    type_names = (
        "io.kestra.plugin.core.condition.FlowNamespaceCondition",
        "io.kestra.core.models.conditions.types.FlowNamespaceCondition",
    )

    namespace: str
    prefix: bool = False


class HasRetryAttempt(Condition):
    type_names = _names("HasRetryAttempt")

    in_: list[ExecutionState] | None = Field(default=None, alias="in")
    not_in: list[ExecutionState] | None = None


class TimeWindow(BaseModel):
    """The period in which preconditions must be met (Kestra's `TimeWindow`)."""

    model_config = MODEL_CONFIG

    type: Annotated[
        str,
        one_of(
            "DURATION_WINDOW",
            "SLIDING_WINDOW",
            "DAILY_TIME_DEADLINE",
            "DAILY_TIME_WINDOW",
            dynamic=False,
        ),
    ] = "DURATION_WINDOW"
    window: Duration | None = None
    window_advance: Duration | None = None
    deadline: Text | None = None
    start_time: Text | None = None
    end_time: Text | None = None


class MultipleCondition(Condition):
    """Several conditions met within a time window; deprecated in Kestra for preconditions."""

    type_names = (
        "io.kestra.plugin.core.condition.MultipleCondition",
        "io.kestra.core.models.conditions.types.MultipleCondition",
    )

    id: PluginId
    conditions: dict[str, AnyCondition] = Field(min_length=1)
    time_window: TimeWindow | None = None
    # Older names of `timeWindow` and of its `window` and `windowAdvance`.
    sla: TimeWindow | None = None
    window: Duration | None = None
    window_advance: Duration | None = None
    reset_on_success: bool = True


class Not(Condition):
    type_names = _names("Not")

    conditions: list[AnyCondition] = Field(min_length=1)


class Or(Condition):
    type_names = _names("Or")

    conditions: list[AnyCondition] = Field(min_length=1)


class PublicHoliday(Condition):
    type_names = _names("PublicHoliday")

    date: Text = TRIGGER_DATE
    country: Text | None = None
    sub_division: Text | None = None


class TimeBetween(Condition):
    type_names = _names("TimeBetween")

    date: Text = TRIGGER_DATE
    after: Text | None = None
    before: Text | None = None


class Weekend(Condition):
    type_names = _names("Weekend")

    date: Text = TRIGGER_DATE


CORE_CONDITIONS: tuple[type[Condition], ...] = (
    DateTimeBetween,
    DayWeek,
    DayWeekInMonth,
    ExecutionFlow,
    ExecutionLabels,
    ExecutionNamespace,
    ExecutionOutputs,
    ExecutionStatus,
    Expression,
    FlowCondition,
    FlowNamespaceCondition,
    HasRetryAttempt,
    MultipleCondition,
    Not,
    Or,
    PublicHoliday,
    TimeBetween,
    Weekend,
)

# Any core condition, chosen by its `type`.
AnyCondition: Any = typed_union("condition", *CORE_CONDITIONS)

for _condition in (MultipleCondition, Not, Or):
    _condition.model_rebuild()
