"""The example flows under examples/flows, run through the real `lanner` command.

Each example states its expected final state in a comment line such as
`# Expected final state: SUCCESS`. The tests read it from there, so a new example needs no
change here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY / "examples" / "flows"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yml"))
# The venv's own command, so the tests run the code under test whatever PATH contains.
LANNER = str(Path(sys.executable).with_name("lanner"))
EXPECTED_STATE = re.compile(r"^# Expected final state: (?P<state>[A-Z]+)\s*$", re.MULTILINE)
# `lanner flow run` exits with 0 for these end states and with 1 for any other.
EXIT_ZERO_STATES = {"SUCCESS", "WARNING"}
TIMEOUT = 120


def lanner(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `lanner` command from the repository root, without the caller's LANNER_* settings."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LANNER_")}
    environment.update(env or {})
    return subprocess.run(
        [LANNER, *arguments],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def expected_state(path: Path) -> str:
    match = EXPECTED_STATE.search(path.read_text(encoding="utf-8"))
    assert match is not None, f"{path.name} has no '# Expected final state: STATE' comment"
    return match["state"]


def run_example(name: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one example with --json and return the execution, checking the exit code."""
    path = EXAMPLES / name
    result = lanner("flow", "run", str(path.relative_to(REPOSITORY)), "--json", env=env)
    state = expected_state(path)
    expected_code = 0 if state in EXIT_ZERO_STATES else 1
    assert result.returncode == expected_code, result.stderr
    execution: dict[str, Any] = json.loads(result.stdout)
    return execution


def task_runs(execution: dict[str, Any], task_id: str) -> list[dict[str, Any]]:
    return [run for run in execution["taskRunList"] if run["taskId"] == task_id]


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_examples_exist() -> None:
    assert len(EXAMPLE_FILES) >= 10


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[path.stem for path in EXAMPLE_FILES])
def test_example_ends_in_state(path: Path) -> None:
    execution = run_example(path.name)

    assert execution["state"]["current"] == expected_state(path)
    assert execution["namespace"] == "company.team"
    assert execution["flowId"] == path.stem


def test_examples_validate() -> None:
    result = lanner("flow", "validate", "examples/flows")

    assert result.returncode == 0, result.stdout + result.stderr
    # A file may hold several flows, separated by `---` lines.
    flows = sum(path.read_text(encoding="utf-8").count("\n---\n") + 1 for path in EXAMPLE_FILES)
    assert f"{flows} valid, 0 invalid" in result.stdout


def test_retries_second_attempt() -> None:
    execution = run_example("retries.yml")

    (flaky,) = task_runs(execution, "flaky")
    assert flaky["state"]["current"] == "SUCCESS"
    assert [attempt["state"]["current"] for attempt in flaky["attempts"]] == ["FAILED", "SUCCESS"]


def test_for_each_concurrency_limit() -> None:
    execution = run_example("for_each.yml")

    # An iteration is in flight from its first task run's start to its last one's end.
    spans: dict[str, list[datetime]] = {}
    for run in execution["taskRunList"]:
        if run["value"] is None:
            continue
        start, end = stamp(run["state"]["startDate"]), stamp(run["state"]["endDate"])
        span = spans.setdefault(run["value"], [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    assert sorted(spans) == ["ap-south", "eu-west", "sa-east", "us-east"]
    for start, _ in spans.values():
        overlapping = [
            value
            for value, (other_start, other_end) in spans.items()
            if other_start <= start < other_end
        ]
        assert len(overlapping) <= 2, overlapping
    (collect,) = task_runs(execution, "collect")
    assert collect["state"]["current"] == "SUCCESS"


def test_errors_and_finally_branches() -> None:
    execution = run_example("errors_and_finally.yml")

    states = {run["taskId"]: run["state"]["current"] for run in execution["taskRunList"]}
    assert states == {
        "prepare": "SUCCESS",
        "load": "FAILED",
        "alert": "SUCCESS",
        "cleanup": "SUCCESS",
    }


def test_flow_outputs_typed() -> None:
    execution = run_example("flow_outputs.yml")

    outputs = execution["outputs"]
    assert outputs["total"] == 42
    assert outputs["status"] == "READY"
    assert outputs["run_label"] == f"run-{execution['id'].lower()}"


def test_typed_inputs_overridden() -> None:
    path = "examples/flows/typed_inputs.yml"
    result = lanner(
        "flow",
        "run",
        path,
        "--json",
        "--input",
        "count=3",
        "--input",
        "dry_run=false",
        "--input",
        'config={"retries": 5}',
    )

    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    assert execution["inputs"]["count"] == 3
    assert execution["inputs"]["dry_run"] is False
    assert execution["inputs"]["run_date"] == "2025-01-31"
    (summary,) = task_runs(execution, "summary")
    values = summary["outputs"]["values"]
    assert values["doubled"] == "6"
    assert values["mode"] == "live"
    assert values["first_tag"] == "untagged"


def test_typed_inputs_out_of_range() -> None:
    result = lanner("flow", "run", "examples/flows/typed_inputs.yml", "--input", "count=30")

    assert result.returncode == 2
    assert "input 'count'" in result.stderr


def test_scripts_outputs_and_files() -> None:
    execution = run_example("scripts.yml")

    (count,) = task_runs(execution, "count")
    assert count["outputs"]["vars"] == {"top": "the", "times": 3}
    assert count["outputs"]["exitCode"] == 0
    assert count["outputs"]["outputFiles"]["counts.json"].startswith("kestra://")


def test_subflow_outputs_reach_the_parent() -> None:
    execution = run_example("subflow.yml")

    greets = task_runs(execution, "greet")
    assert sorted(run["value"] for run in greets) == ["Ada", "Grace", "Linus"]
    for run in greets:
        assert run["outputs"]["outputs"] == {"greeting": f"Hello, {run['value']}!"}
        assert run["outputs"]["state"] == "SUCCESS"


def test_pause_resumes_after_its_duration() -> None:
    execution = run_example("pause.yml")

    (approval,) = task_runs(execution, "approval")
    (after,) = task_runs(execution, "after")
    assert "PAUSED" in [entry["state"] for entry in approval["state"]["histories"]]
    assert (
        stamp(after["state"]["startDate"]) - stamp(approval["state"]["startDate"])
    ).total_seconds() >= 2


def test_kv_store_round_trip() -> None:
    execution = run_example("kv_store.yml")

    (read_back,) = task_runs(execution, "read_back")
    assert read_back["outputs"]["value"] == execution["state"]["startDate"]


def test_example_on_postgres(postgres_url: str) -> None:
    # The README's way to use PostgreSQL: the LANNER_DATABASE_URL variable.
    execution = run_example("hello_world.yml", env={"LANNER_DATABASE_URL": postgres_url})

    assert execution["state"]["current"] == "SUCCESS"
