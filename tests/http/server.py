"""A small HTTP server on 127.0.0.1 for the HTTP task tests, run in a thread."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = url.path.strip("/").split("/")
        name = parts[0]
        if name == "echo":
            self._echo(url.path, query, body)
        elif name == "status":
            code = int(parts[1])
            self._send(code, f"status {code}".encode(), "text/plain")
        elif name == "redirect":
            self._send(302, b"", "text/plain", {"Location": "/echo?redirected=yes"})
        elif name == "slow":
            time.sleep(float(query.get("seconds", "5")))
            self._send(200, b"late", "text/plain")
        elif name == "file":
            disposition = f'attachment; filename="{parts[1]}"'
            self._send(200, b"file content\n", "text/csv", {"Content-Disposition": disposition})
        elif name == "empty":
            self._send(200, b"", "text/plain")
        elif name == "binary":
            self._send(200, b"\xff\xfe\x00binary", "application/octet-stream")
        elif name == "big":
            self._send(200, b"x" * int(query["size"]), "text/plain")
        elif name == "basic":
            expected = "Basic " + base64.b64encode(b"user:secret").decode()
            ok = self.headers.get("Authorization") == expected
            self._send(200 if ok else 401, b"welcome" if ok else b"who are you", "text/plain")
        elif name == "cookies":
            self.send_response(200)
            self.send_header("Set-Cookie", "a=1")
            self.send_header("Set-Cookie", "b=2")
            self.send_header("X-Mixed-Case", "yes")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        elif name == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.close_connection = True
        else:
            self._send(404, b"no such route", "text/plain")

    def _echo(self, path: str, query: dict[str, str], body: bytes) -> None:
        answer = {
            "method": self.command,
            "path": path,
            "query": query,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
        }
        self._send(200, json.dumps(answer).encode(), "application/json")

    def _send(
        self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class HttpTestServer:
    """Serves the routes above on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
