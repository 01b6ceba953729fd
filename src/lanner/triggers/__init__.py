"""Lanner's core trigger types and conditions, under Kestra's names.

`default_trigger_registry()` in `lanner.triggers.registry` maps type names to these classes.
"""

from __future__ import annotations

from lanner.triggers.base import Trigger


def core_trigger_types() -> list[type[Trigger]]:
    """List every core trigger type."""
    from lanner.triggers.flow_trigger import FlowTrigger
    from lanner.triggers.schedule import Schedule, ScheduleOnDates
    from lanner.triggers.webhook import Webhook

    return [Schedule, ScheduleOnDates, Webhook, FlowTrigger]
