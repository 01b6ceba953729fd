"""The `s3://` storage URL: which bucket, prefix, endpoint and credentials to use.

    s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION
                        &access_key_id=ID&secret_access_key=SECRET&session_token=TOKEN
                        &virtual_hosted_style=false&allow_http=false]

Every query parameter is optional. Whatever the URL leaves out comes from the standard AWS
environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
`AWS_REGION` or `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`), then from the client's defaults
(region `us-east-1`, the AWS endpoint of that region). Percent-encode secrets that hold `&`,
`=`, `+` or `%`. An `http://` endpoint is accepted without `allow_http`, because naming one is
the explicit choice. Example for a local MinIO or another S3-compatible server:

    s3://lanner/internal?endpoint=http://127.0.0.1:9000&region=us-east-1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlparse

from lanner.errors import ConfigurationError

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_PARAMETERS = (
    "endpoint",
    "region",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "virtual_hosted_style",
    "allow_http",
)


@dataclass(frozen=True)
class S3Location:
    """Where an S3 storage keeps its files and how to reach it; None means the default."""

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    virtual_hosted_style: bool | None = None
    allow_http: bool | None = None


def parse_s3_url(url: str) -> S3Location:
    """Read an `s3://` storage URL; raise ConfigurationError naming what is wrong."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.hostname:
        raise ConfigurationError(
            f"invalid S3 storage URL {_without_query(url)!r}: expected s3://bucket/prefix"
        )
    values = _query_values(url, parsed.query)
    return S3Location(
        bucket=parsed.hostname,
        prefix=unquote(parsed.path).strip("/"),
        endpoint=values.get("endpoint"),
        region=values.get("region"),
        access_key_id=values.get("access_key_id"),
        secret_access_key=values.get("secret_access_key"),
        session_token=values.get("session_token"),
        virtual_hosted_style=_boolean(url, values, "virtual_hosted_style"),
        allow_http=_boolean(url, values, "allow_http"),
    )


def _query_values(url: str, query: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, items in parse_qs(query, keep_blank_values=True, strict_parsing=False).items():
        if name not in _PARAMETERS:
            raise ConfigurationError(
                f"unknown parameter {name!r} in the S3 storage URL {_without_query(url)!r}; "
                f"accepted parameters: {', '.join(_PARAMETERS)}"
            )
        if len(items) > 1:
            raise ConfigurationError(
                f"parameter {name!r} appears {len(items)} times in the S3 storage URL "
                f"{_without_query(url)!r}; give it once"
            )
        values[name] = items[0]
    return values


def _boolean(url: str, values: dict[str, str], name: str) -> bool | None:
    text = values.get(name)
    if text is None:
        return None
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise ConfigurationError(
            f"invalid value {text!r} for {name!r} in the S3 storage URL "
            f"{_without_query(url)!r}: use true or false"
        ) from None


def _without_query(url: str) -> str:
    # The query may hold a secret access key, which must not reach logs or error messages.
    return url.split("?", 1)[0]
