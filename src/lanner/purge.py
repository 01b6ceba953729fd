"""Retention: remove ended executions, their logs and their stored files.

Nothing is purged unless asked: by `lanner sys purge --older-than DURATION`, or by the
`retention` setting, which the executor applies every `purge_interval`. Each batch is its own
short transaction, so purging never holds long locks on the tables other components use.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from lanner.backend.purge import PurgeCounts, purge_batch
from lanner.backend.store import Backend
from lanner.storage import Storage, execution_file_key
from lanner.timestamps import utc_now

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


async def purge_ended(
    backend: Backend, storage: Storage, older_than: timedelta, batch_size: int = BATCH_SIZE
) -> PurgeCounts:
    """Purge executions that ended more than `older_than` ago; return what was deleted."""
    cutoff = utc_now() - older_than
    total = PurgeCounts()
    files = 0
    while True:
        async with backend.db.transaction() as connection:
            purged, counts = await purge_batch(
                connection, cutoff, batch_size, backend.db.skip_locked
            )
        if not purged:
            break
        total.add(counts)
        for execution in purged:
            prefix = execution_file_key(execution.namespace, execution.flow_id, execution.id) + "/"
            files += await storage.delete_prefix(prefix)
    if total.executions:
        logger.info(
            "Purged %d execution(s) that ended before %s: %d task run(s), %d log line(s), "
            "%d file(s)", total.executions, cutoff.isoformat(), total.task_runs, total.logs, files,
        )
    return total
