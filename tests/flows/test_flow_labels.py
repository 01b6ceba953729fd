"""Flow labels written as a map or as a list, and the labels reserved for Kestra."""

from __future__ import annotations

import pytest

from tests.flows.helpers import only_problem, parse_one

TASKS = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: a\n"


def flow_with_labels(labels: str) -> str:
    return f"id: sample\nnamespace: company.team\nlabels:\n{labels}{TASKS}"


@pytest.mark.parametrize(
    "labels",
    [
        "  team: data\n  priority: 1\n",
        "  - key: team\n    value: data\n  - key: priority\n    value: 1\n",
    ],
    ids=["map", "list"],
)
def test_labels_map_or_list(labels: str) -> None:
    document = parse_one(flow_with_labels(labels))

    assert document.flow is not None
    assert document.flow.label_map() == {"team": "data", "priority": "1"}


def test_label_value_mapping_located() -> None:
    problem = only_problem(flow_with_labels("  team:\n    nested: x\n"))

    assert problem.path == "labels.team"
    assert problem.message == "invalid value (a mapping)"
    assert problem.hint == "expected text"
    assert problem.line == 5


@pytest.mark.parametrize(
    ("labels", "path"),
    [
        ("  system.owner: me\n", "labels.system.owner"),
        ("  - key: system.owner\n    value: me\n", "labels[0].key"),
    ],
    ids=["map", "list"],
)
def test_system_label_rejected(labels: str, path: str) -> None:
    problem = only_problem(flow_with_labels(labels))

    assert problem.path == path
    assert problem.hint == "rename the label"


def test_read_only_system_label_allowed() -> None:
    document = parse_one(flow_with_labels("  system.readOnly: 'true'\n"))

    assert document.valid
