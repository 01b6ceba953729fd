"""Labels as flows, triggers and Subflow tasks write them: a map, or a list of key and value."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from lanner.tasks.properties import MODEL_CONFIG, Text


class Label(BaseModel):
    model_config = MODEL_CONFIG

    key: str
    value: Text


def _labels_from_map(value: Any) -> Any:
    # Kestra accepts `labels: {team: data}` as well as `labels: [{key: team, value: data}]`.
    if isinstance(value, dict):
        return [{"key": str(key), "value": item} for key, item in value.items()]
    return value


# Labels written as a map or as a list of {key, value}, kept as a list.
LabelList = Annotated[list[Label], BeforeValidator(_labels_from_map)]
