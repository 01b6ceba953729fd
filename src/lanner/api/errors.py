"""How the API reports failures: a JSON body with a message, never a stack trace.

Every error body has a `message`; errors about a flow or about inputs add `problems`, the
same list (line, column, path, message, hint) that the CLI prints.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanner.api.responses import JsonResponse
from lanner.errors import (
    BackendError,
    ExecutionNotFound,
    FlowNotFound,
    InvalidFlow,
    InvalidInputs,
    LannerError,
    Problem,
    TaskRunNotFound,
)
from lanner.executions.control import InvalidRequest
from lanner.executions.service import FlowDisabled

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal server error; the server log has the details"


class ProblemBody(BaseModel):
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    hint: str | None = None


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    message: str
    problems: list[ProblemBody] | None = None


class ApiError(LannerError):
    """A request the API rejects, with its status; the message states what to change."""

    def __init__(self, status_code: int, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.problems = problems


def error_response(
    status_code: int, message: str, problems: list[Problem] | None = None
) -> JsonResponse:
    body: dict[str, object] = {"message": message}
    if problems is not None:
        body["problems"] = [problem.to_dict() for problem in problems]
    return JsonResponse(body, status_code=status_code)


def install_error_handlers(app: FastAPI) -> None:
    """Respond to every failure with a JSON error body and the matching status."""
    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        ApiError: _api_error,
        FlowNotFound: _not_found,
        ExecutionNotFound: _not_found,
        TaskRunNotFound: _not_found,
        InvalidFlow: _invalid_flow,
        InvalidInputs: _invalid_inputs,
        FlowDisabled: _flow_disabled,
        InvalidRequest: _conflict,
        BackendError: _backend_error,
        LannerError: _lanner_error,
        RequestValidationError: _invalid_request,
        HTTPException: _http_error,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
    app.add_middleware(CatchUnexpectedErrors)


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error.status_code, error.message, error.problems)


async def _not_found(request: Request, error: Exception) -> Response:
    return error_response(404, str(error))


async def _invalid_flow(request: Request, error: Exception) -> Response:
    assert isinstance(error, InvalidFlow)
    return error_response(422, _first_line(str(error)), error.problems)


async def _invalid_inputs(request: Request, error: Exception) -> Response:
    assert isinstance(error, InvalidInputs)
    # The message names every bad input too, for clients that show only the message.
    return error_response(422, error.one_line(), error.problems)


async def _conflict(request: Request, error: Exception) -> Response:
    return error_response(409, str(error))


async def _flow_disabled(request: Request, error: Exception) -> Response:
    # Kestra responds with 409 Conflict to a request to run a disabled flow.
    return error_response(409, str(error))


async def _backend_error(request: Request, error: Exception) -> Response:
    logger.error("Database error in %s %s", request.method, request.url.path, exc_info=error)
    return error_response(
        503, "the database failed; try again later, the server log has the details"
    )


async def _lanner_error(request: Request, error: Exception) -> Response:
    return error_response(400, str(error))


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        Problem(message=str(item.get("msg", "invalid value")), path=_location(item.get("loc")))
        for item in error.errors()
    ]
    first = problems[0] if problems else Problem("invalid request")
    where = f"{first.path}: " if first.path else ""
    return error_response(422, f"invalid request: {where}{first.message}", problems)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404 and error.detail == "Not Found":
        message = f"no API endpoint at {request.method} {request.url.path}"
    elif error.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(error.detail)
    return error_response(error.status_code, message)


def _location(location: object) -> str:
    if not isinstance(location, list | tuple):
        return ""
    return ".".join(str(part) for part in location)


def _first_line(text: str) -> str:
    return text.splitlines()[0].rstrip(":") if text else text


class CatchUnexpectedErrors:
    """Turn an exception no handler took into a generic 500 response, logged with its traceback.

    Starlette's own last-resort handler responds too but then re-raises, so the server would
    print the traceback a second time; this middleware sits below it and stops the error.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except ClientDisconnect:
            logger.debug("Client left during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            logger.exception("Unexpected error in %s %s", scope.get("method"), scope.get("path"))
            # A response that already started cannot change its status: end its body instead.
            with contextlib.suppress(Exception):
                if started:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                else:
                    await error_response(500, INTERNAL_ERROR)(scope, receive, send)
