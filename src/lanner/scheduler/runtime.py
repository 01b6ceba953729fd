"""What trigger handling needs: the backend, the trigger rows, parsed flows and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from lanner.backend.store import Backend
from lanner.backend.triggers import TriggerRepository
from lanner.errors import LannerError
from lanner.executor.context import InstanceContext
from lanner.flows.cache import FlowCache
from lanner.flows.executable import ExecutableFlow
from lanner.timestamps import utc_now
from lanner.triggers.base import Trigger

# Returns the current instant as an aware UTC datetime; tests pass a clock they move by hand.
Clock = Callable[[], datetime]

DEFAULT_TIME_ZONE = "UTC"


class TriggerNotFound(LannerError):
    """No trigger has that namespace, flow id and trigger id."""

    def __init__(self, namespace: str, flow_id: str, trigger_id: str) -> None:
        self.key = (namespace, flow_id, trigger_id)
        super().__init__(
            f"trigger {trigger_id!r} of flow {namespace}.{flow_id} not found; check the ids, "
            "or deploy the flow with that trigger first"
        )


@dataclass
class TriggerRuntime:
    backend: Backend
    flows: FlowCache
    # The zone of Schedule and ScheduleOnDates triggers that set no `timezone`.
    default_zone: str = DEFAULT_TIME_ZONE
    # What a Schedule trigger without `recoverMissedSchedules` does with missed slots.
    default_recovery: str = "ALL"
    clock: Clock = utc_now
    encryption_key: str | None = None
    instance: InstanceContext = field(default_factory=InstanceContext)
    repository: TriggerRepository = field(init=False)

    def __post_init__(self) -> None:
        self.repository = TriggerRepository(skip_locked=self.backend.db.skip_locked)

    @classmethod
    def of(cls, backend: Backend, **options: object) -> TriggerRuntime:
        return cls(backend, FlowCache(backend.flows), **options)  # type: ignore[arg-type]

    async def flow(
        self, connection: AsyncConnection, namespace: str, flow_id: str, revision: int
    ) -> ExecutableFlow:
        """Return a parsed flow revision; raise FlowNotFound or InvalidFlow."""
        return await self.flows.get(connection, namespace, flow_id, revision)


def find_trigger(flow: ExecutableFlow, trigger_id: str) -> Trigger | None:
    for trigger in flow.flow.triggers or []:
        if trigger.id == trigger_id:
            return trigger
    return None
