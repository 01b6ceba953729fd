"""Reading `s3://` storage URLs."""

from __future__ import annotations

import pytest

from lanner.errors import ConfigurationError
from lanner.storage import storage_from_url
from lanner.storage.s3 import S3Storage
from lanner.storage.s3_url import parse_s3_url


def test_bucket_and_prefix() -> None:
    location = parse_s3_url("s3://lanner/internal/storage/")

    assert location.bucket == "lanner"
    assert location.prefix == "internal/storage"
    assert location.endpoint is None
    assert location.access_key_id is None


def test_every_parameter() -> None:
    location = parse_s3_url(
        "s3://b?endpoint=http://127.0.0.1:9000&region=eu-west-3&access_key_id=AK"
        "&secret_access_key=s%2Bcr%26t&session_token=tok&virtual_hosted_style=false"
        "&allow_http=true"
    )

    assert location.endpoint == "http://127.0.0.1:9000"
    assert location.region == "eu-west-3"
    assert location.access_key_id == "AK"
    assert location.secret_access_key == "s+cr&t"
    assert location.session_token == "tok"
    assert location.virtual_hosted_style is False
    assert location.allow_http is True


def test_secret_not_shown() -> None:
    location = parse_s3_url("s3://b?secret_access_key=hidden&session_token=also")

    assert "hidden" not in repr(location)
    assert "also" not in repr(location)


def test_unknown_parameter() -> None:
    with pytest.raises(ConfigurationError, match="unknown parameter 'endpiont'") as raised:
        parse_s3_url("s3://b?endpiont=http://x&secret_access_key=hidden")

    assert "hidden" not in str(raised.value)


def test_repeated_parameter() -> None:
    with pytest.raises(ConfigurationError, match="appears 2 times"):
        parse_s3_url("s3://b?region=a&region=b")


def test_invalid_boolean() -> None:
    with pytest.raises(ConfigurationError, match="use true or false"):
        parse_s3_url("s3://b?allow_http=maybe")


def test_missing_bucket() -> None:
    with pytest.raises(ConfigurationError, match="expected s3://bucket/prefix"):
        parse_s3_url("s3:///prefix")


async def test_storage_from_url() -> None:
    storage = storage_from_url("s3://b/p?endpoint=http://127.0.0.1:1&region=us-east-1")

    assert isinstance(storage, S3Storage)
    assert storage.location.prefix == "p"
    await storage.close()


def test_unsupported_scheme() -> None:
    with pytest.raises(ConfigurationError, match="unsupported storage URL"):
        storage_from_url("gs://bucket/prefix")
