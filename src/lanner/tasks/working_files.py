"""Files a task's working directory starts with and the files it keeps: Kestra's
`namespaceFiles`, `inputFiles` and `outputFiles`, shared by script tasks and WorkingDirectory.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel

from lanner.tasks.choices import one_of
from lanner.tasks.properties import MODEL_CONFIG, DynamicBool


class NamespaceFiles(BaseModel):
    """Which namespace files to copy into the working directory before the task starts."""

    model_config = MODEL_CONFIG

    # True by default, so that setting only `include` or `exclude` is enough.
    enabled: DynamicBool = True
    include: list[str] | str | None = None
    exclude: list[str] | str | None = None
    # The namespaces to read, later ones winning; the flow's namespace by default.
    namespaces: list[str] | str | None = None
    if_exists: Annotated[str, one_of("OVERWRITE", "FAIL", "WARN", "IGNORE")] = "OVERWRITE"
    folder_per_namespace: DynamicBool = False


# A map of file name to content, or an expression (or JSON text) rendering to one.
InputFiles = dict[str, Any] | str

# File names or glob patterns to keep as outputs, or an expression rendering to a list.
OutputFiles = list[str] | str
