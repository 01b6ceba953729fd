"""The scheduler: Schedule and ScheduleOnDates triggers, backfills and trigger state.

`scheduler_of(instance)` builds the scheduler component of an instance from its settings;
`runtime_of(instance)` gives the API what it needs to read and change trigger state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lanner.liveness import LivenessSettings
from lanner.scheduler.runtime import TriggerNotFound, TriggerRuntime
from lanner.scheduler.service import Scheduler, SchedulerSettings

if TYPE_CHECKING:
    from lanner.instance import Instance


def scheduler_of(instance: Instance) -> Scheduler:
    """Build the scheduler component of an instance, from its settings."""
    config = instance.settings.scheduler
    liveness = instance.settings.liveness
    settings = SchedulerSettings(
        timezone=config.timezone,
        recover_missed_schedules=config.recover_missed_schedules,
        poll_interval=config.poll_interval,
        batch_size=config.batch_size,
        liveness=LivenessSettings(
            heartbeat_interval=liveness.heartbeat_interval,
            heartbeat_timeout=liveness.heartbeat_timeout,
        ),
    )
    return Scheduler(
        instance.backend,
        settings,
        encryption_key=instance.settings.encryption_key,
        instance=instance.context,
    )


def runtime_of(instance: Instance) -> TriggerRuntime:
    """Build the trigger runtime the API uses, sharing the instance's parsed flows."""
    config = instance.settings.scheduler
    return TriggerRuntime(
        instance.backend,
        instance.flow_cache,
        default_zone=config.timezone,
        default_recovery=config.recover_missed_schedules,
        encryption_key=instance.settings.encryption_key,
        instance=instance.context,
    )


__all__ = [
    "Scheduler",
    "SchedulerSettings",
    "TriggerNotFound",
    "TriggerRuntime",
    "runtime_of",
    "scheduler_of",
]
