"""`lanner flow validate` run as a user runs it: files, folders, several flows per file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

VALID = """\
id: first
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

INVALID = """\
id: broken
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    mesage: hi
triggers:
  - id: cron
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * *"
"""

PROBLEM_LINE = re.compile(
    r"^(?P<file>\S+):(?P<line>\d+):(?P<column>\d+): (?P<path>\S+): (?P<rest>.+)$"
)


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    lanner = Path(sys.executable).parent / "lanner"
    return subprocess.run(
        [str(lanner), "flow", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def problem_lines(output: str) -> list[re.Match[str]]:
    matches = (PROBLEM_LINE.match(line.strip()) for line in output.splitlines())
    return [match for match in matches if match is not None]


def test_valid_file_exits_zero(tmp_path: Path) -> None:
    flow = tmp_path / "first.yml"
    flow.write_text(VALID)

    result = validate(flow)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 valid, 0 invalid" in result.stdout


def test_invalid_file_exits_one(tmp_path: Path) -> None:
    flow = tmp_path / "broken.yml"
    flow.write_text(INVALID)

    result = validate(flow)
    lines = problem_lines(result.stdout)

    assert result.returncode == 1
    assert [(match["line"], match["column"], match["path"]) for match in lines] == [
        ("6", "5", "tasks[0].mesage"),
        ("10", "11", "triggers[0].cron"),
    ]
    assert lines[0]["file"] == str(flow)
    assert lines[0]["rest"] == "unknown property 'mesage' (did you mean 'message'?)"
    assert lines[1]["rest"].endswith(")")


def test_several_documents_per_file(tmp_path: Path) -> None:
    flow = tmp_path / "both.yaml"
    flow.write_text(VALID + "---\n" + INVALID)

    result = validate(flow)
    lines = problem_lines(result.stdout)

    assert result.returncode == 1
    assert "1 valid, 1 invalid" in result.stdout
    # Lines count from the top of the file, across the `---` separator.
    assert [match["line"] for match in lines] == ["13", "17"]


def test_folder_of_flows(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "a.yml").write_text(VALID)
    (tmp_path / "nested" / "b.yaml").write_text(VALID.replace("first", "second"))
    (tmp_path / "notes.txt").write_text("not a flow")

    result = validate(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 valid, 0 invalid" in result.stdout


def test_folder_with_invalid_flow(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(VALID)
    (tmp_path / "b.yml").write_text(INVALID)

    result = validate(tmp_path)

    assert result.returncode == 1
    assert "1 valid, 1 invalid" in result.stdout
    assert {match["file"] for match in problem_lines(result.stdout)} == {str(tmp_path / "b.yml")}


def test_missing_path_exits_one(tmp_path: Path) -> None:
    result = validate(tmp_path / "absent.yml")

    assert result.returncode == 1
    assert "absent.yml: no such file or folder" in result.stdout
    assert "1 not found" in result.stdout


def test_corpus_validates() -> None:
    result = validate(Path(__file__).parent / "corpus")

    assert result.returncode == 0, result.stdout
    assert ", 0 invalid" in result.stdout
