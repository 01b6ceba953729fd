"""Lanner's exceptions: one root, with subclasses named for what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field


class LannerError(Exception):
    """Lanner failed; the message says on which value and what to do next."""


class ConfigurationError(LannerError):
    """A setting is invalid; fix it in the configuration file or the LANNER_* environment."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a flow, placed as precisely as the YAML allows."""

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def location(self, source: str = "") -> str:
        """Format `source:line:column` with whatever parts are known."""
        parts = [source] if source else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self, source: str = "") -> str:
        where = self.location(source)
        text = f"{where}: " if where else ""
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


@dataclass
class InvalidFlow(LannerError):
    """A flow has problems; fix each one at the line and column shown."""

    problems: list[Problem] = field(default_factory=list)
    source: str = ""
    flow_id: str | None = None

    def __str__(self) -> str:
        subject = f"flow {self.flow_id!r}" if self.flow_id else "the flow"
        lines = [f"{subject} is invalid ({len(self.problems)} problem(s)):"]
        lines += [f"  {problem.format(self.source)}" for problem in self.problems]
        return "\n".join(lines)


class FlowNotFound(LannerError):
    """No flow has that namespace and id; deploy it first or check the spelling."""

    def __init__(self, namespace: str, flow_id: str, revision: int | None = None) -> None:
        self.namespace = namespace
        self.flow_id = flow_id
        self.revision = revision
        if revision is not None:
            message = (
                f"flow {namespace}.{flow_id} has no revision {revision}; list its revisions with "
                f"`lanner flow revisions {namespace} {flow_id}`"
            )
        else:
            message = (
                f"flow {namespace}.{flow_id} not found; check its namespace and id, or deploy it "
                "first (`lanner flow deploy`, or `--flows` for `lanner flow run`)"
            )
        super().__init__(message)


class TaskRunNotFound(LannerError):
    """An execution has no task run with that id."""

    def __init__(self, execution_id: str, task_run_id: str) -> None:
        self.execution_id = execution_id
        self.task_run_id = task_run_id
        super().__init__(f"execution {execution_id} has no task run {task_run_id!r}")


class ExecutionNotFound(LannerError):
    """No execution has that id."""

    def __init__(self, execution_id: str) -> None:
        self.execution_id = execution_id
        super().__init__(f"execution {execution_id!r} not found")


@dataclass
class InvalidInputs(LannerError):
    """Inputs that do not match their definitions; `outcome` names what was not done."""

    problems: list[Problem] = field(default_factory=list)
    outcome: str = "no execution was created"

    def __str__(self) -> str:
        lines = [f"invalid inputs, {self.outcome}:"]
        lines += [f"  {problem.format()}" for problem in self.problems]
        return "\n".join(lines)

    def one_line(self) -> str:
        """Return the message on one line, the problems separated by semicolons."""
        problems = "; ".join(problem.format() for problem in self.problems)
        return f"invalid inputs, {self.outcome}: {problems}"


class ExpressionError(LannerError):
    """An expression could not be rendered; the message names the expression and the cause."""


class TaskFailure(LannerError):
    """A task run failed on purpose or because of its inputs; the message is shown to the user."""


class StorageError(LannerError):
    """Internal storage could not read or write a file."""


class FileNotFoundInStorage(StorageError):
    """No file is stored at that URI or path."""


class BackendError(LannerError):
    """The database failed; the original driver error is kept as the cause."""
