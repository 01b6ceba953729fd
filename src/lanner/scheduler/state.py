"""The state a scheduler keeps for a trigger between two evaluations: the `data` document.

The `next_date` column is derived from it (`attention_date`): the earliest of the schedule's
next slot and the backfill's next slot, or a retry date while the trigger's last execution
still runs and the trigger does not allow concurrent executions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.timestamps import format_timestamp, parse_timestamp


def _date(value: Any) -> datetime | None:
    return parse_timestamp(value) if isinstance(value, str) and value else None


def _text(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


@dataclass
class Backfill:
    """Past slots to run again, between `start` and `end`, both included."""

    start: datetime
    end: datetime
    # The slots at or after this date are still to run.
    current: datetime
    inputs: dict[str, Any] = field(default_factory=dict)
    labels: list[dict[str, str]] = field(default_factory=list)
    paused: bool = False
    # The trigger's next date when the backfill was created, as Kestra reports it.
    previous_next_date: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": _text(self.start),
            "end": _text(self.end),
            "currentDate": _text(self.current),
            "inputs": self.inputs,
            "labels": self.labels,
            "paused": self.paused,
            "previousNextExecutionDate": _text(self.previous_next_date),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Backfill:
        start = _date(data.get("start"))
        end = _date(data.get("end"))
        assert start is not None and end is not None
        return cls(
            start=start,
            end=end,
            current=_date(data.get("currentDate")) or start,
            inputs=dict(data.get("inputs") or {}),
            labels=list(data.get("labels") or []),
            paused=bool(data.get("paused")),
            previous_next_date=_date(data.get("previousNextExecutionDate")),
        )


@dataclass
class TriggerState:
    """The `data` document of a trigger row."""

    type: str
    # A digest of the properties that decide the slots; a change recomputes the next slot.
    fingerprint: str = ""
    # The schedule's next slot, None when it has no more (or the trigger cannot fire).
    next_slot: datetime | None = None
    backfill: Backfill | None = None
    # The last execution the trigger created; while it runs, a trigger that does not allow
    # concurrent executions waits.
    execution_id: str | None = None
    # The trigger is set `disabled: true` in the flow, or the flow itself is disabled.
    disabled_in_flow: bool = False
    # Execution states after which the trigger disables itself (`stopAfter`).
    stop_after: list[str] = field(default_factory=list)
    # Flow triggers: the state of their preconditions, by precondition id.
    windows: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "fingerprint": self.fingerprint,
            "nextSlot": _text(self.next_slot),
            "executionId": self.execution_id,
            "disabledInFlow": self.disabled_in_flow,
            "stopAfter": self.stop_after,
        }
        if self.backfill is not None:
            data["backfill"] = self.backfill.to_json()
        if self.windows:
            data["windows"] = self.windows
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TriggerState:
        backfill = data.get("backfill")
        return cls(
            type=str(data.get("type") or ""),
            fingerprint=str(data.get("fingerprint") or ""),
            next_slot=_date(data.get("nextSlot")),
            backfill=Backfill.from_json(backfill) if isinstance(backfill, dict) else None,
            execution_id=data.get("executionId"),
            disabled_in_flow=bool(data.get("disabledInFlow")),
            stop_after=list(data.get("stopAfter") or []),
            windows=dict(data.get("windows") or {}),
        )

    def attention_date(self, disabled: bool, retry_at: datetime | None = None) -> datetime | None:
        """When a scheduler must look at the trigger next; None when it cannot fire."""
        if disabled or self.disabled_in_flow:
            return None
        if retry_at is not None:
            return retry_at
        dates = [self.next_slot] if self.next_slot is not None else []
        if self.backfill is not None and not self.backfill.paused:
            dates.append(self.backfill.current)
        return min(dates) if dates else None
