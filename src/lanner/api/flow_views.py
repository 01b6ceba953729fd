"""Flows and validation results as JSON, with Kestra's field names."""

from __future__ import annotations

from typing import Any

from lanner.backend.flows import StoredFlow
from lanner.flows.parser import ParsedDocument
from lanner.flows.yaml_source import load_documents
from lanner.timestamps import format_timestamp


def flow_json(stored: StoredFlow, *, include_source: bool) -> dict[str, Any]:
    """Return a stored flow revision as Kestra shows a flow: its properties plus revision data.

    The properties are those of the YAML source as written, except that labels given as a map
    become a list of {key, value}, the form Kestra returns.
    """
    properties = _source_properties(stored.source)
    result: dict[str, Any] = {
        "id": stored.id,
        "namespace": stored.namespace,
        "revision": stored.revision,
    }
    for key, value in properties.items():
        if key not in result:
            result[key] = value
    if isinstance(result.get("labels"), dict):
        result["labels"] = [{"key": key, "value": value} for key, value in result["labels"].items()]
    result["disabled"] = properties.get("disabled") is True
    result["deleted"] = stored.deleted
    result["updated"] = format_timestamp(stored.updated)
    if include_source:
        result["source"] = stored.source
    return result


def _source_properties(source: str) -> dict[str, Any]:
    documents = load_documents(source)
    if documents and isinstance(documents[0].data, dict):
        return documents[0].data
    # Stored sources were valid when deployed; show revision data even if one no longer parses.
    return {}


def validation_json(
    index: int, document: ParsedDocument, *, filename: str | None, outdated: bool
) -> dict[str, Any]:
    """Return one document's validation result as Kestra's validate endpoint does.

    `constraints` is the problems as text (null when the flow is valid), and `problems` is the
    same list with each problem's line, column, path, message and hint.
    """
    result: dict[str, Any] = {
        "index": index,
        "flow": document.flow_id,
        "namespace": document.namespace,
        "constraints": "\n".join(problem.format() for problem in document.problems) or None,
        "outdated": outdated,
        "deprecationPaths": [],
        "warnings": [],
        "infos": [],
        "problems": [problem.to_dict() for problem in document.problems],
    }
    if filename is not None:
        result["filename"] = filename
    return result
