"""A small client of Lanner's REST API, for the commands that talk to a running instance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar

import click
import httpx

from lanner.cli.errors import CommandFailed

DEFAULT_SERVER = "http://127.0.0.1:8080"

F = TypeVar("F", bound=Callable[..., Any])


def server_option(function: F) -> F:
    decorated: F = click.option(
        "--server",
        default=DEFAULT_SERVER,
        show_default=True,
        envvar="LANNER_SERVER",
        help="URL of the Lanner instance to talk to.",
    )(function)
    return decorated


class ApiClient:
    def __init__(self, server: str, timeout: float = 30.0) -> None:
        self.server = server.rstrip("/")
        self._client = httpx.Client(base_url=self.server + "/api/v1", timeout=timeout)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._client.close()

    def request(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = self._client.request(method, path, **options)
        except httpx.ConnectError as error:
            raise CommandFailed(
                f"cannot reach Lanner at {self.server}: {error}; start it with "
                "`lanner server local` or pass --server"
            ) from error
        except httpx.HTTPError as error:
            raise CommandFailed(f"request to {self.server} failed: {error}") from error
        if response.status_code >= 400:
            raise CommandFailed(_error_message(response))
        if not response.content:
            return None
        return response.json()

    def deploy_flow(self, source: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST",
            "/flows",
            content=source.encode(),
            headers={"Content-Type": "application/x-yaml"},
        )
        return result

    def stream(self, path: str) -> Iterator[tuple[str, str]]:
        """Yield (event, data) pairs of a server-sent event stream."""
        try:
            with self._client.stream("GET", path, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise CommandFailed(_error_message(response))
                event, data = "message", []
                for line in response.iter_lines():
                    if not line:
                        if data:
                            yield event, "\n".join(data)
                        event, data = "message", []
                    elif line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip())
        except httpx.ConnectError as error:
            raise CommandFailed(f"cannot reach Lanner at {self.server}: {error}") from error


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text.strip()[:500]}"
    message = body.get("message") if isinstance(body, dict) else None
    lines = [f"HTTP {response.status_code}: {message or body}"]
    for problem in (body.get("problems") or []) if isinstance(body, dict) else []:
        where = ":".join(str(part) for part in (problem.get("line"), problem.get("column")) if part)
        path = problem.get("path") or ""
        hint = f" ({problem['hint']})" if problem.get("hint") else ""
        lines.append(f"  {where}: {path}: {problem.get('message')}{hint}")
    return "\n".join(lines)
