"""Shortcuts for flow validation tests: parse one YAML text and look at its problems."""

from __future__ import annotations

from lanner.errors import Problem
from lanner.flows.parser import ParsedDocument, parse_documents


def parse_one(text: str) -> ParsedDocument:
    documents = parse_documents(text, "flow.yml")
    assert len(documents) == 1, f"expected one document, found {len(documents)}"
    return documents[0]


def problems_of(text: str) -> list[Problem]:
    return parse_one(text).problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(problem.format("flow.yml") for problem in problems)
    return problems[0]


def flow_with_tasks(tasks: str, extra: str = "") -> str:
    """Build a flow text around an indented `tasks:` block."""
    return f"id: sample\nnamespace: company.team\n{extra}tasks:\n{tasks}"
