"""Filters that encode text: Base64, hashes and URL encoding (all on the UTF-8 bytes)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.parse
from collections.abc import Callable
from typing import Any

from lanner.errors import ExpressionError
from lanner.expressions.filters.common import text_filter


@text_filter
def base64_encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


@text_filter
def base64_decode(text: str) -> str:
    try:
        return base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ExpressionError(
            f"base64decode: {text[:40]!r} is not Base64 text of UTF-8 data ({error})"
        ) from error


def _hash(algorithm: str) -> Callable[[Any], str | None]:
    @text_filter
    def digest(text: str) -> str:
        return hashlib.new(algorithm, text.encode()).hexdigest()

    digest.__name__ = algorithm
    return digest


@text_filter
def url_encode(text: str) -> str:
    """Encode like Java's URLEncoder: spaces become '+', and only `a-z A-Z 0-9 . - * _` stay."""
    return urllib.parse.quote_plus(text, safe="*").replace("~", "%7E")


@text_filter
def url_decode(text: str) -> str:
    return urllib.parse.unquote_plus(text)


ENCODING_FILTERS: dict[str, Callable[..., Any]] = {
    "base64encode": base64_encode,
    "base64decode": base64_decode,
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "sha512": _hash("sha512"),
    "md5": _hash("md5"),
    "urlencode": url_encode,
    "urldecode": url_decode,
}
