"""All filters available in expressions, by the name used after `|`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lanner.expressions.filters.containers import CONTAINER_FILTERS
from lanner.expressions.filters.data import DATA_FILTERS
from lanner.expressions.filters.dates import DATE_FILTERS
from lanner.expressions.filters.encoding import ENCODING_FILTERS
from lanner.expressions.filters.text import TEXT_FILTERS

FILTERS: dict[str, Callable[..., Any]] = {
    **TEXT_FILTERS,
    **CONTAINER_FILTERS,
    **DATA_FILTERS,
    **DATE_FILTERS,
    **ENCODING_FILTERS,
}
