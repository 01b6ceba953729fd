"""HTTP tasks: Request and Download, with Kestra 1.x's client `options`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel

from lanner.tasks.choices import one_of
from lanner.tasks.properties import MODEL_CONFIG, Duration, DynamicBool, DynamicInt, Text
from lanner.tasks.unavailable import UnavailableTask

# TODO: the HTTP tasks fail when run until the worker sends requests.


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


class _HttpTask(UnavailableTask):
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
    type_names = ("io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request")

    # Store the response body encrypted, as the `encryptedBody` output.
    encrypt_body: DynamicBool = False


class Download(_HttpTask):
    """Download a file into internal storage; its URI is the `uri` output."""

    type_names = ("io.kestra.plugin.core.http.Download", "io.kestra.plugin.fs.http.Download")

    fail_on_empty_response: DynamicBool = True
