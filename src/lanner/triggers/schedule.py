"""Schedule and ScheduleOnDates: start executions on a cron or on listed dates."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from lanner.tasks.choices import one_of
from lanner.tasks.properties import StaticDuration, Text
from lanner.triggers.base import Trigger
from lanner.triggers.conditions import AnyCondition
from lanner.triggers.timing import InvalidCron, check_cron, is_time_zone, suggest_time_zone

RecoverMissedSchedules = Annotated[str, one_of("ALL", "LAST", "NONE", dynamic=False)]


def _check_time_zone(value: str) -> str:
    if is_time_zone(value):
        return value
    suggestion = suggest_time_zone(value)
    hint = (
        f"did you mean {suggestion!r}?"
        if suggestion
        else "use an IANA time zone such as 'Europe/Paris' or 'America/New_York', or an "
        "offset such as '+02:00'"
    )
    raise PydanticCustomError(
        "invalid_time_zone", "unknown time zone {value}", {"value": repr(value), "hint": hint}
    )


class Schedule(Trigger):
    """Start an execution at each date a cron expression gives."""

    type_names = (
        "io.kestra.plugin.core.trigger.Schedule",
        "io.kestra.core.models.triggers.types.Schedule",
    )

    # Declared before `cron` so that the cron check can read it.
    with_seconds: bool = False
    cron: str
    timezone: str | None = None
    inputs: dict[str, Any] | None = None
    late_maximum_delay: StaticDuration | None = None
    recover_missed_schedules: RecoverMissedSchedules | None = None
    # Deprecated in Kestra in favour of backfills started from the UI.
    backfill: dict[str, Any] | None = None
    # The older name of `conditions`.
    schedule_conditions: list[AnyCondition] | None = None
    # Kestra declares it but requires it to stay empty.
    interval: None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_time_zone(value)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str, info: ValidationInfo) -> str:
        with_seconds = info.data.get("with_seconds") is True
        try:
            check_cron(value, with_seconds)
        except InvalidCron as error:
            example = "'0 */15 * * * *'" if with_seconds else "'*/15 * * * *'"
            raise PydanticCustomError(
                "invalid_cron",
                "invalid cron expression {value}: {reason}",
                {
                    "value": repr(value),
                    "reason": str(error),
                    "hint": f"write it like {example} (every 15 minutes) or use a nickname such "
                    "as '@daily'",
                },
            ) from None
        return value


class ScheduleOnDates(Trigger):
    """Start an execution at each of the listed dates."""

    type_names = ("io.kestra.plugin.core.trigger.ScheduleOnDates",)

    dates: list[Text] | Text = Field(min_length=1)
    timezone: str | None = None
    inputs: dict[str, Any] | None = None
    recover_missed_schedules: RecoverMissedSchedules | None = None
    interval: None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_time_zone(value)
