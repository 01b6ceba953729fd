"""A minimal S3-protocol server holding objects in memory, for benchmarks only.

moto's server is a full emulation in Python and costs about 1.5 ms of CPU per request (measured
by `namespace_files.py --server moto`). On a two-core machine, serving hundreds of downloads at
once then measures moto rather than the client. A real object store is not CPU-bound on the
client's machine. This server answers the requests a client makes to read and write objects,
with the same wire format as S3, for a fraction of that cost: path-style `PUT /bucket` and
`PUT|GET|HEAD|DELETE /bucket/key`, and `GET /bucket?list-type=2` (ListObjectsV2, 1,000 keys per
page, continuation tokens, prefix, delimiter, `encoding-type=url`). Other requests get 501 Not
Implemented. Requests are not authenticated.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

PAGE_SIZE = 1000


class _Object:
    __slots__ = ("data", "etag", "modified")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.etag = '"' + hashlib.md5(data).hexdigest() + '"'
        self.modified = datetime.now(UTC)


class MemoryS3:
    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, _Object]] = {}

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        # Copies, multipart uploads and batch deletes are rejected rather than half done, so
        # a benchmark that starts using them fails loudly.
        if "x-amz-copy-source" in headers or method not in {"GET", "HEAD", "PUT", "DELETE"}:
            return 501, {"Content-Type": "application/xml"}, (
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NotImplemented</Code>"
                b"<Message>The in-memory benchmark server does not support this request."
                b"</Message></Error>"
            )

        parts = urlsplit(target)
        path = parts.path.lstrip("/")
        bucket, _, raw_key = path.partition("/")
        bucket = unquote(bucket)
        key = unquote(raw_key)
        query = parse_qs(parts.query, keep_blank_values=True)

        if not key:
            if method == "PUT":
                self.buckets.setdefault(bucket, {})
                return 200, {}, b""
            if method == "GET" and query.get("list-type") == ["2"]:
                return self._list(bucket, query)
            return 400, {}, b""

        objects = self.buckets.setdefault(bucket, {})
        if method == "PUT":
            stored = objects[key] = _Object(body)
            return 200, {"ETag": stored.etag}, b""
        if method == "DELETE":
            objects.pop(key, None)
            return 204, {}, b""

        found = objects.get(key)
        if found is None:
            return 404, {"Content-Type": "application/xml"}, (
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code>"
                b"<Message>The specified key does not exist.</Message></Error>"
            )
        headers = {
            "ETag": found.etag,
            "Last-Modified": format_datetime(found.modified, usegmt=True),
            "Content-Type": "application/octet-stream",
        }
        if method == "HEAD":
            headers["Content-Length"] = str(len(found.data))
            return 200, headers, b""
        return 200, headers, found.data

    def _list(self, bucket: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        prefix = query.get("prefix", [""])[0]
        delimiter = query.get("delimiter", [""])[0]
        token = query.get("continuation-token", [""])[0]
        start_after = query.get("start-after", [""])[0]
        url_encoded = query.get("encoding-type", [""])[0] == "url"
        objects = self.buckets.get(bucket, {})
        keys = sorted(key for key in objects if key.startswith(prefix))
        after = token or start_after
        keys = [key for key in keys if key > after] if after else keys
        contents: list[str] = []
        prefixes: list[str] = []
        last = ""
        for key in keys:
            if len(contents) + len(prefixes) >= PAGE_SIZE:
                break
            last = key
            if delimiter and delimiter in key[len(prefix):]:
                common = key[: len(prefix) + key[len(prefix):].index(delimiter) + len(delimiter)]
                if not prefixes or prefixes[-1] != common:
                    prefixes.append(common)
                continue
            contents.append(key)
        truncated = bool(last) and last != keys[-1]

        def shown(text: str) -> str:
            return escape(quote(text, safe="/") if url_encoded else text)

        rows = [
            "<Contents>"
            f"<Key>{shown(key)}</Key>"
            f"<LastModified>{objects[key].modified.strftime('%Y-%m-%dT%H:%M:%S.000Z')}"
            "</LastModified>"
            f"<ETag>{escape(objects[key].etag)}</ETag>"
            f"<Size>{len(objects[key].data)}</Size>"
            "<StorageClass>STANDARD</StorageClass>"
            "</Contents>"
            for key in contents
        ]
        rows += [f"<CommonPrefixes><Prefix>{shown(item)}</Prefix></CommonPrefixes>"
                 for item in prefixes]
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>{escape(bucket)}</Name><Prefix>{shown(prefix)}</Prefix>"
            f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{PAGE_SIZE}</MaxKeys>"
            + (f"<Delimiter>{shown(delimiter)}</Delimiter>" if delimiter else "")
            + ("<EncodingType>url</EncodingType>" if url_encoded else "")
            + f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            + (f"<NextContinuationToken>{escape(last)}</NextContinuationToken>"
               if truncated else "")
            + "".join(rows)
            + "</ListBucketResult>"
        )
        return 200, {"Content-Type": "application/xml"}, document.encode()


class _Connection(asyncio.Protocol):
    def __init__(self, store: MemoryS3) -> None:
        self.store = store
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self._one_request():
            pass

    def _one_request(self) -> bool:
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        head = self.buffer[:head_end].decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body_start = head_end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, consumed = _dechunk(self.buffer, body_start)
            if body is None:
                return False
        else:
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < body_start + length:
                return False
            body, consumed = self.buffer[body_start:body_start + length], body_start + length
        self.buffer = self.buffer[consumed:]
        status, reply_headers, reply = self.store.handle(method, target, headers, body)
        reply_headers.setdefault("Content-Length", str(len(reply)))
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
        lines += [f"{name}: {value}" for name, value in reply_headers.items()]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                             + (b"" if method == "HEAD" else reply))
        return True


def _dechunk(buffer: bytes, start: int) -> tuple[bytes | None, int]:
    body = b""
    position = start
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None, 0
        size = int(buffer[position:line_end].split(b";")[0], 16)
        chunk_start = line_end + 2
        if size == 0:
            end = buffer.find(b"\r\n", chunk_start)
            return (body, end + 2) if end >= 0 else (None, 0)
        if len(buffer) < chunk_start + size + 2:
            return None, 0
        body += buffer[chunk_start:chunk_start + size]
        position = chunk_start + size + 2


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    501: "Not Implemented",
}


def serve(port: int) -> None:
    """Serve on 127.0.0.1:port until the process is stopped."""

    async def run() -> None:
        store = MemoryS3()
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _Connection(store), "127.0.0.1", port, backlog=1024
        )
        async with server:
            await server.serve_forever()

    asyncio.run(run())
