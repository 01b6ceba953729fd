"""HTTP tasks: Request and Download, with Kestra 1.x's client `options`.

Request keeps the response body as its `body` output, so it suits small API responses; Download
stores the response in internal storage. The client itself is in `lanner.tasks.http_client`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import httpx
from pydantic import BaseModel

from lanner.errors import TaskFailure
from lanner.expressions import is_truthy
from lanner.tasks import http_client
from lanner.tasks.base import RunnableTask
from lanner.tasks.choices import one_of
from lanner.tasks.properties import MODEL_CONFIG, Duration, DynamicBool, DynamicInt, Text

if TYPE_CHECKING:
    from lanner.worker.context import RunContext

# The largest response body Request keeps when `options.maxContentLength` is not set.
DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


class _Options(BaseModel):
    model_config = MODEL_CONFIG


class TimeoutOptions(_Options):
    connect_timeout: Duration | None = None
    read_idle_timeout: Duration | None = None


class ProxyOptions(_Options):
    type: Annotated[str, one_of("DIRECT", "HTTP", "SOCKS")] | None = None
    address: Text | None = None
    port: DynamicInt | None = None
    username: Text | None = None
    password: Text | None = None


class AuthOptions(_Options):
    type: Annotated[str, one_of("BASIC", "BEARER", "DIGEST", dynamic=False)]
    username: Text | None = None
    password: Text | None = None
    token: Text | None = None


class SslOptions(_Options):
    insecure_trust_all_certificates: DynamicBool | None = None


LogKind = Annotated[
    str,
    one_of("REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY", dynamic=False),
]


class HttpOptions(_Options):
    """The HTTP client's settings; the flat properties at the end are Kestra's older names."""

    timeout: TimeoutOptions | None = None
    proxy: ProxyOptions | None = None
    auth: AuthOptions | None = None
    ssl: SslOptions | None = None
    follow_redirects: DynamicBool = True
    allow_failed: DynamicBool = False
    allowed_response_codes: list[int] | str | None = None
    default_charset: Text | None = None
    logs: list[LogKind] | None = None
    connect_timeout: Duration | None = None
    read_timeout: Duration | None = None
    read_idle_timeout: Duration | None = None
    connection_pool_idle_timeout: Duration | None = None
    max_content_length: int | None = None
    proxy_type: Annotated[str, one_of("DIRECT", "HTTP", "SOCKS", dynamic=False)] | None = None
    proxy_address: Text | None = None
    proxy_port: int | None = None
    proxy_username: Text | None = None
    proxy_password: Text | None = None
    basic_auth_user: Text | None = None
    basic_auth_password: Text | None = None
    log_level: Annotated[str, one_of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")] | None = (
        None
    )


HttpMethod = Annotated[
    str, one_of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
]


class _HttpTask(RunnableTask):
    uri: Text
    method: HttpMethod = "GET"
    # Text sent as is; a YAML map or list is sent as its JSON text.
    body: Text | dict[str, Any] | list[Any] | None = None
    form_data: dict[str, Any] | str | None = None
    content_type: Text = "application/json"
    headers: dict[str, Any] | str | None = None
    options: HttpOptions | None = None
    # Older places of `options.allowFailed` and `options.ssl`.
    allow_failed: DynamicBool | None = None
    ssl_options: SslOptions | None = None


class Request(_HttpTask):
    """Send a request; the outputs are `uri`, `code`, `headers` and the text `body`."""

    type_names = ("io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request")

    # Store the response body encrypted, as the `encryptedBody` output.
    # TODO: support encryptBody; until then the task fails when it is true.
    encrypt_body: DynamicBool = False

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        if is_truthy(context.render_typed(self.encrypt_body, "encryptBody")):
            raise TaskFailure(
                f"task {self.id!r}: encryptBody is not supported yet; remove it, or store the "
                "response with the Download task"
            )
        limit = self._max_content_length()
        rules = http_client.response_rules(self, context)
        async with http_client.open_client(self, context) as client:
            request = await http_client.build_request(self, context, client)
            http_client.log_request(context, rules, request)
            try:
                response = await client.send(request, stream=True)
                try:
                    body = await _read_limited(response, limit, self.id)
                finally:
                    await response.aclose()
            except httpx.HTTPError as error:
                raise http_client.transport_failure(request.url, error) from error
        http_client.log_response(context, rules, response, body)
        http_client.check_response(response, rules, body)
        return {
            "uri": str(request.url),
            "code": response.status_code,
            "headers": http_client.response_headers(response),
            "body": _text(body, self.id) if body else None,
        }

    def _max_content_length(self) -> int:
        if self.options is not None and self.options.max_content_length is not None:
            return self.options.max_content_length
        return DEFAULT_MAX_CONTENT_LENGTH


class Download(_HttpTask):
    """Download a file into internal storage; its URI is the `uri` output.

    The outputs are `uri`, `code`, `length` and `headers`; the `response.length` counter metric
    is the size in bytes.
    """

    type_names = ("io.kestra.plugin.core.http.Download", "io.kestra.plugin.fs.http.Download")

    fail_on_empty_response: DynamicBool = True

    async def run(self, context: RunContext) -> dict[str, Any] | None:
        rules = http_client.response_rules(self, context)
        async with http_client.open_client(self, context) as client:
            request = await http_client.build_request(self, context, client)
            http_client.log_request(context, rules, request)
            try:
                response = await client.send(request, stream=True)
                try:
                    # NOTE: internal storage takes whole contents, so the file is held in
                    # memory until it is stored.
                    data = await response.aread()
                finally:
                    await response.aclose()
            except httpx.HTTPError as error:
                raise http_client.transport_failure(request.url, error) from error
        http_client.log_response(context, rules, response, None)
        http_client.check_response(response, rules, data)
        self._check_length(response, data)
        if not data:
            self._on_empty(context, rules, str(request.url))
        name = http_client.download_file_name(response, str(request.url))
        uri = await context.put_file(name, data)
        context.add_metric("counter", "response.length", len(data))
        context.logger.debug(f"downloaded {request.url} ({len(data)} bytes) to {uri}")
        return {
            "uri": uri,
            "code": response.status_code,
            "length": len(data),
            "headers": http_client.response_headers(response),
        }

    def _check_length(self, response: httpx.Response, data: bytes) -> None:
        expected = response.headers.get("content-length")
        encoded = response.headers.get("content-encoding", "identity") != "identity"
        # A compressed response is decoded on reading, so its announced length differs.
        announced = expected is not None and expected.isdigit() and not encoded
        if announced and int(expected) != len(data):
            raise TaskFailure(
                f"task {self.id!r}: the download from {response.request.url} is incomplete: "
                f"got {len(data)} bytes, Content-Length announced {expected}"
            )

    def _on_empty(self, context: RunContext, rules: http_client.ResponseRules, uri: str) -> None:
        fail = is_truthy(context.render_typed(self.fail_on_empty_response, "failOnEmptyResponse"))
        if fail and not rules.allow_failed:
            raise TaskFailure(
                f"task {self.id!r}: the server sent an empty response for {uri}; set "
                "failOnEmptyResponse to false to accept empty files"
            )
        context.logger.warn(f"the file downloaded from {uri} is empty")


async def _read_limited(response: httpx.Response, limit: int, task_id: str) -> bytes:
    """Read the body, failing once it grows beyond `limit` bytes."""
    chunks = bytearray()
    async for chunk in response.aiter_bytes():
        chunks += chunk
        if len(chunks) > limit:
            raise TaskFailure(
                f"task {task_id!r}: the response body is larger than {limit} bytes; raise "
                "options.maxContentLength, or use the Download task for large responses"
            )
    return bytes(chunks)


def _text(body: bytes, task_id: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TaskFailure(
            f"task {task_id!r}: the response body is not valid UTF-8 text ({error}); use the "
            "Download task for binary content"
        ) from error
