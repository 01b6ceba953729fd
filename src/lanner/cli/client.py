"""A small client of Lanner's REST API, for the commands that talk to a running instance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import click
import httpx

from lanner.cli.errors import CommandFailed
from lanner.flows.yaml_source import load_documents

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
        """Send a request and return its JSON response; raise CommandFailed for any error."""
        response = self._send(method, path, **options)
        if response.status_code >= 400:
            raise CommandFailed(_error_message(response))
        return _json(response)

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **options)
        except httpx.ConnectError as error:
            raise CommandFailed(
                f"cannot reach Lanner at {self.server}: {error}; start it with "
                "`lanner server local` or pass --server"
            ) from error
        except httpx.HTTPError as error:
            raise CommandFailed(f"request to {self.server} failed: {error}") from error

    def deploy_flow(self, source: str) -> dict[str, Any]:
        """Deploy one flow's source: update it when deployed, create it otherwise.

        As in Kestra, creating (POST) rejects a flow that exists and updating (PUT) responds
        with 404 for one that does not, so the update is tried first.
        """
        namespace, flow_id = _flow_key(source)
        headers = {"Content-Type": "application/x-yaml"}
        content = source.encode()
        response = self._send(
            "PUT", f"/flows/{namespace}/{flow_id}", content=content, headers=headers
        )
        if response.status_code == 404:
            response = self._send("POST", "/flows", content=content, headers=headers)
        if response.status_code >= 400:
            raise CommandFailed(_error_message(response))
        result: dict[str, Any] = _json(response)
        return result

    def stream(self, path: str, params: dict[str, Any] | None = None) -> Iterator[tuple[str, str]]:
        """Yield (event, data) pairs of a server-sent event stream until the server ends it.

        An `error` event, which the server sends when the stream fails, raises CommandFailed.
        """
        try:
            with self._client.stream("GET", path, params=params, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise CommandFailed(_error_message(response))
                for event, data in _events(response.iter_lines()):
                    if event == "error":
                        raise CommandFailed(f"the server stopped the stream: {data}")
                    yield event, data
        except httpx.ConnectError as error:
            raise CommandFailed(f"cannot reach Lanner at {self.server}: {error}") from error
        except httpx.HTTPError as error:
            raise CommandFailed(f"the stream from {self.server} broke off: {error}") from error


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """Parse server-sent event lines; comments (keep-alive lines) are skipped."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as error:
        raise CommandFailed(
            f"HTTP {response.status_code}: the response is not JSON: {response.text.strip()[:200]}"
        ) from error


def _flow_key(source: str) -> tuple[str, str]:
    documents = load_documents(source)
    data = documents[0].data if documents else None
    if not isinstance(data, dict) or not data.get("namespace") or not data.get("id"):
        raise CommandFailed("the flow source has no namespace and id; validate it first")
    return quote(str(data["namespace"]), safe=""), quote(str(data["id"]), safe="")


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text.strip()[:500]}"
    message = body.get("message") if isinstance(body, dict) else None
    lines = [f"HTTP {response.status_code}: {message or body}"]
    for problem in (body.get("problems") or []) if isinstance(body, dict) else []:
        where = ":".join(str(part) for part in (problem.get("line"), problem.get("column")) if part)
        parts = [part for part in (where, problem.get("path")) if part]
        parts.append(str(problem.get("message")))
        hint = f" ({problem['hint']})" if problem.get("hint") else ""
        lines.append("  " + ": ".join(parts) + hint)
    return "\n".join(lines)
