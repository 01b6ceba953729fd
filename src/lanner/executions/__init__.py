"""Executions and task runs as the executor, the API and the CLI see them."""

from lanner.executions.model import Attempt, Execution, StateHistory, TaskRun

__all__ = ["Attempt", "Execution", "StateHistory", "TaskRun"]
