"""JSON responses that also accept the non-finite floats that executions may contain."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse


def dumps_json(value: Any) -> str:
    """Serialize a value as strict JSON.

    Outputs and inputs may contain NaN or infinite floats, which JSON cannot express. They are
    sent as the strings "NaN", "Infinity" and "-Infinity", so the response does not fail.
    """
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(
            _finite(value), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class JsonResponse(JSONResponse):
    """A JSON response rendered with `dumps_json`."""

    def render(self, content: Any) -> bytes:
        return dumps_json(content).encode("utf-8")
