"""The worker-side steps of ForEachItem: split the items into batches, merge the outputs.

The executor runs a ForEachItem as a split job, one subflow execution per batch, and a merge
job. These two task types are internal: flows never name them, the executor builds them from
the ForEachItem's properties.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lanner.errors import FileNotFoundInStorage, StorageError, TaskFailure
from lanner.storage import key_from_uri
from lanner.tasks.base import RunnableTask
from lanner.worker.context import RunContext

SPLIT_TYPE = "lanner.internal.ForEachItemSplit"
MERGE_TYPE = "lanner.internal.ForEachItemMerge"


class ForEachItemSplit(RunnableTask):
    type_names = (SPLIT_TYPE,)

    items: str
    rows: int | None = None
    partitions: int | None = None
    separator: str | None = None
    regex_pattern: str | None = None

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        uri = context.render(self.items, "items")
        try:
            content = await context.storage.get(key_from_uri(uri))
        except (FileNotFoundInStorage, StorageError) as error:
            raise TaskFailure(f"cannot read the items file {uri!r}: {error}") from error
        text = content.decode("utf-8")
        items = self._items(text)
        batches = self._batches(items)
        uris = []
        for number, batch in enumerate(batches):
            uris.append(await context.put_file(f"batch-{number}.txt", "".join(batch).encode()))
        context.logger.info(f"split {len(items)} item(s) into {len(uris)} batch(es)")
        return {"batches": uris}

    def _items(self, text: str) -> list[str]:
        if self.regex_pattern:
            parts = re.split(f"({self.regex_pattern})", text)
            items = [parts[index] + (parts[index + 1] if index + 1 < len(parts) else "")
                     for index in range(0, len(parts), 2)]
        else:
            separator = self.separator or "\n"
            pieces = text.split(separator)
            items = [piece + separator for piece in pieces[:-1]] + [pieces[-1]]
        return [item for item in items if item.strip()]

    def _batches(self, items: list[str]) -> list[list[str]]:
        # `partitions` gives the number of batches, `rows` their size (one item by default).
        size = max(1, -(-len(items) // self.partitions)) if self.partitions else self.rows or 1
        if size < 1:
            raise TaskFailure(f"invalid batch size {size}: it must be 1 or more")
        return [items[start:start + size] for start in range(0, len(items), size)]


class ForEachItemMerge(RunnableTask):
    type_names = (MERGE_TYPE,)

    # The outputs of the subflow executions, in batch order.
    subflow_outputs: list[dict[str, Any]]

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        lines = "".join(
            json.dumps(outputs, ensure_ascii=False, separators=(",", ":")) + "\n"
            for outputs in self.subflow_outputs
        )
        uri = await context.put_file("subflow-outputs.jsonl", lines.encode())
        return {"subflowOutputs": uri}
