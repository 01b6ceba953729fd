"""The HTTP client of the HTTP tasks: Kestra 1.x's `options`, the request, the response checks.

Defaults follow Kestra's client: redirects followed, no connect timeout, 5 minutes without data
before a read fails, UTF-8 request bodies, and a failure for a response code of 400 or more
unless `allowFailed` is set. With `allowedResponseCodes`, exactly those codes pass, whatever
`allowFailed` is. Proxy variables of the worker's environment are ignored, as Kestra does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from lanner.durations import InvalidDuration, parse_duration
from lanner.errors import TaskFailure
from lanner.expressions import is_truthy, to_text
from lanner.storage import key_from_uri
from lanner.worker.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.http import HttpOptions, _HttpTask

DEFAULT_READ_IDLE_TIMEOUT = timedelta(minutes=5)
# The largest response body quoted in a failure message, in characters.
_QUOTED_BODY = 2000
# The parts logged for each level of the deprecated `logLevel` option.
_LOGS_OF_LEVEL = {
    "TRACE": {"REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"},
    "DEBUG": {"REQUEST_HEADERS", "RESPONSE_HEADERS"},
    "INFO": {"RESPONSE_HEADERS"},
}


@dataclass(frozen=True)
class ResponseRules:
    """The response codes that fail the task, and the parts of the exchange to log."""

    allow_failed: bool
    allowed_codes: list[int] | None
    logs: frozenset[str]


def open_client(task: _HttpTask, context: RunContext) -> httpx.AsyncClient:
    """Build the client that `options` describes; close it after use."""
    options = task.options
    timeout = httpx.Timeout(
        connect=_seconds(context, _connect_timeout(options), "options.timeout.connectTimeout"),
        read=_seconds(context, _read_timeout(options), "options.timeout.readIdleTimeout"),
        write=None,
        pool=None,
    )
    ssl = (options.ssl if options else None) or task.ssl_options
    insecure = ssl is not None and _flag(context, ssl.insecure_trust_all_certificates)
    try:
        return httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=_flag(context, options.follow_redirects) if options else True,
            verify=not insecure,
            auth=_auth(context, options),
            proxy=_proxy(context, options),
            trust_env=False,
        )
    except ImportError as error:
        raise TaskFailure(f"cannot use this proxy: {error}") from error


def response_rules(task: _HttpTask, context: RunContext) -> ResponseRules:
    options = task.options
    allow_failed = options is not None and _flag(context, options.allow_failed)
    if task.allow_failed is not None:
        allow_failed = _flag(context, task.allow_failed)
    allowed = options.allowed_response_codes if options else None
    codes = None
    if allowed is not None:
        rendered = context.render_typed(allowed, "options.allowedResponseCodes")
        if isinstance(rendered, str):
            rendered = json.loads(rendered) if rendered.strip().startswith("[") else [rendered]
        codes = [int(code) for code in rendered]
    logs = set(options.logs or []) if options else set()
    if options is not None and options.log_level:
        logs |= _LOGS_OF_LEVEL.get(context.render(options.log_level, "options.logLevel"), set())
    return ResponseRules(allow_failed, codes, frozenset(logs))


async def build_request(
    task: _HttpTask, context: RunContext, client: httpx.AsyncClient
) -> httpx.Request:
    """Render the URI, method, headers and body into a request."""
    uri = context.render(task.uri, "uri").strip().replace(" ", "%20")
    method = context.render(task.method, "method").upper()
    content_type = context.render(task.content_type, "contentType")
    charset = _charset(task, context)
    headers: dict[str, str] = {}
    arguments: dict[str, Any] = {}
    form = _rendered_map(context, task.form_data, "formData")
    if form:
        if content_type.split(";")[0].strip().lower() == "multipart/form-data":
            arguments["files"] = await _multipart(context, form)
        else:
            arguments["data"] = {name: to_text(value) for name, value in form.items()}
    elif task.body is not None:
        arguments["content"] = _body_text(task, context).encode(charset)
        headers["Content-Type"] = _with_charset(content_type, charset)
    else:
        headers["Content-Type"] = content_type
    for name, value in (_rendered_map(context, task.headers, "headers") or {}).items():
        headers[name] = to_text(value)
    try:
        return client.build_request(method, uri, headers=headers, **arguments)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
        raise TaskFailure(f"invalid uri {uri!r}: {error}") from error


def check_response(response: httpx.Response, rules: ResponseRules, body: bytes | None) -> None:
    """Raise TaskFailure when the response code fails the task, quoting the body."""
    code = response.status_code
    if rules.allowed_codes is not None:
        failed = code not in rules.allowed_codes
    else:
        failed = code >= 400 and not rules.allow_failed
    if not failed:
        return
    message = f"request to {response.request.url} failed with response code {code}"
    if body:
        text = body.decode("utf-8", errors="replace")
        if len(text) > _QUOTED_BODY:
            text = text[:_QUOTED_BODY] + "..."
        message += f" and body:\n{text}"
    if rules.allowed_codes is not None:
        message += f"\n(allowed response codes: {', '.join(map(str, rules.allowed_codes))})"
    raise TaskFailure(message)


def response_headers(response: httpx.Response) -> dict[str, list[str]]:
    """Group the headers by name, case-insensitively, keeping the case first received."""
    grouped: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        name = raw_name.decode("latin-1")
        shown = names.setdefault(name.lower(), name)
        grouped.setdefault(shown, []).append(raw_value.decode("latin-1"))
    return grouped


def log_request(context: RunContext, rules: ResponseRules, request: httpx.Request) -> None:
    if "REQUEST_HEADERS" in rules.logs:
        lines = [f"{name}: {value}" for name, value in request.headers.items()]
        context.logger.info(f"request {request.method} {request.url}\n" + "\n".join(lines))
    if "REQUEST_BODY" in rules.logs and request.content:
        context.logger.info("request body:\n" + request.content.decode("utf-8", "replace"))


def log_response(
    context: RunContext, rules: ResponseRules, response: httpx.Response, body: bytes | None
) -> None:
    if "RESPONSE_HEADERS" in rules.logs:
        lines = [f"{name}: {value}" for name, value in response.headers.items()]
        context.logger.info(f"response {response.status_code}\n" + "\n".join(lines))
    if "RESPONSE_BODY" in rules.logs and body:
        context.logger.info("response body:\n" + body.decode("utf-8", "replace"))


def transport_failure(uri: object, error: httpx.HTTPError) -> TaskFailure:
    """Describe a request that got no response: refused, timed out, broken TLS."""
    if isinstance(error, httpx.TimeoutException):
        return TaskFailure(
            f"request to {uri} timed out ({type(error).__name__}); raise "
            "options.timeout.connectTimeout or options.timeout.readIdleTimeout if the server is "
            "slow"
        )
    return TaskFailure(f"request to {uri} failed: {type(error).__name__}: {error}")


def _connect_timeout(options: HttpOptions | None) -> timedelta | str | None:
    if options is None:
        return None
    if options.timeout is not None and options.timeout.connect_timeout is not None:
        return options.timeout.connect_timeout
    return options.connect_timeout


def _read_timeout(options: HttpOptions | None) -> timedelta | str | None:
    if options is None:
        return DEFAULT_READ_IDLE_TIMEOUT
    if options.timeout is not None and options.timeout.read_idle_timeout is not None:
        return options.timeout.read_idle_timeout
    return options.read_idle_timeout or options.read_timeout or DEFAULT_READ_IDLE_TIMEOUT


def _seconds(context: RunContext, value: timedelta | str | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        rendered = context.render_typed(value, name)
        try:
            value = rendered if isinstance(rendered, timedelta) else parse_duration(str(rendered))
        except InvalidDuration as error:
            raise TaskFailure(f"property {name!r}: {error}") from error
    return value.total_seconds()


def _flag(context: RunContext, value: bool | str | None) -> bool:
    return value is not None and is_truthy(context.render_typed(value, "options"))


def _auth(context: RunContext, options: HttpOptions | None) -> httpx.Auth | None:
    if options is None:
        return None
    auth = options.auth
    if auth is None and options.basic_auth_user is not None:
        return httpx.BasicAuth(
            context.render(options.basic_auth_user, "options.basicAuthUser"),
            context.render(options.basic_auth_password or "", "options.basicAuthPassword"),
        )
    if auth is None:
        return None
    username = context.render(auth.username or "", "options.auth.username")
    password = context.render(auth.password or "", "options.auth.password")
    if auth.type == "BASIC":
        return httpx.BasicAuth(username, password)
    if auth.type == "DIGEST":
        return httpx.DigestAuth(username, password)
    return _BearerAuth(context.render(auth.token or "", "options.auth.token"))


class _BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def _proxy(context: RunContext, options: HttpOptions | None) -> httpx.Proxy | None:
    if options is None:
        return None
    proxy = options.proxy
    kind = proxy.type if proxy is not None else options.proxy_type
    address = proxy.address if proxy is not None else options.proxy_address
    if address is None or kind == "DIRECT":
        return None
    port = proxy.port if proxy is not None else options.proxy_port
    username = proxy.username if proxy is not None else options.proxy_username
    password = proxy.password if proxy is not None else options.proxy_password
    scheme = "socks5" if kind == "SOCKS" else "http"
    host = context.render(address, "options.proxy.address")
    url = f"{scheme}://{host}"
    if port is not None:
        url += f":{to_text(context.render_typed(port, 'options.proxy.port'))}"
    auth = None
    if username is not None:
        auth = (
            context.render(username, "options.proxy.username"),
            context.render(password or "", "options.proxy.password"),
        )
    return httpx.Proxy(url, auth=auth)


def _charset(task: _HttpTask, context: RunContext) -> str:
    options = task.options
    if options is None or options.default_charset is None:
        return "utf-8"
    charset = context.render(options.default_charset, "options.defaultCharset")
    try:
        "".encode(charset)
    except LookupError as error:
        raise TaskFailure(f"unknown charset {charset!r} in options.defaultCharset") from error
    return charset


def _with_charset(content_type: str, charset: str) -> str:
    if "charset=" in content_type.lower():
        return content_type
    return f"{content_type}; charset={charset.upper()}"


def _body_text(task: _HttpTask, context: RunContext) -> str:
    body = task.body
    if isinstance(body, str):
        return context.render(body, "body")
    return json.dumps(context.render_value(body, "body"), ensure_ascii=False)


def _rendered_map(context: RunContext, value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {
            context.render(str(key), name): (
                context.render(item, name)
                if isinstance(item, str)
                else context.render_value(item, name)
            )
            for key, item in value.items()
        }
    rendered = context.render_typed(value, name)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError as error:
            raise TaskFailure(f"property {name!r} must render to a map: {error}") from error
    if not isinstance(rendered, dict):
        raise TaskFailure(f"property {name!r} must render to a map, got {rendered!r}")
    return rendered


async def _multipart(context: RunContext, form: dict[str, Any]) -> list[tuple[str, Any]]:
    """Build multipart fields: kestra:// values and {name, content} maps become files."""
    fields: list[tuple[str, Any]] = []
    for name, value in form.items():
        if isinstance(value, str) and value.startswith("kestra://"):
            fields.append((name, (_file_name(value), await _read(context, value))))
        elif isinstance(value, dict) and "name" in value and "content" in value:
            content = to_text(value["content"])
            fields.append((name, (to_text(value["name"]), await _read(context, content))))
        elif isinstance(value, str):
            fields.append((name, (None, value.encode("utf-8"))))
        else:
            fields.append((name, (None, json.dumps(value).encode("utf-8"))))
    return fields


async def _read(context: RunContext, uri: str) -> bytes:
    from lanner.tasks.scripts.input_files import fetch_uri

    return await fetch_uri(context, uri)


def _file_name(uri: str) -> str:
    return unquote(key_from_uri(uri).rsplit("/", 1)[-1])


def download_file_name(response: httpx.Response, uri: str) -> str:
    """Name a downloaded file from Content-Disposition, else from the URI's last segment."""
    name = _disposition_name(response.headers.get("content-disposition", ""))
    if not name:
        name = unquote(httpx.URL(uri).path.rstrip("/").rsplit("/", 1)[-1])
    # Only a plain file name is kept: no folders, never `.` or `..`.
    name = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    return "download" if name in ("", ".", "..") else name


def _disposition_name(header: str) -> str | None:
    name = None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key == "filename*" and "''" in value:
            # RFC 5987: charset'language'percent-encoded-name.
            charset, _, encoded = value.partition("''")
            return unquote(encoded.strip('"'), encoding=charset or "utf-8", errors="replace")
        if key == "filename":
            name = value.strip('"')
    return name
