"""A real S3-protocol server for tests: moto's server app on loopback, in a thread.

The server is moto's own WSGI application behind werkzeug's threaded server, the same pieces
`moto.server.ThreadedMotoServer` puts together, with one thin layer in front: a gauge that
counts object downloads (GET requests on an object) in flight and can hold each one for a
moment, so tests can read how many downloads overlapped.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

REGION = "us-east-1"
ACCESS_KEY = "lanner-test"
SECRET_KEY = "lanner-test-secret"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass
class DownloadGauge:
    """Counts object downloads: in flight now, the maximum seen, and the total."""

    hold_seconds: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    total: int = 0
    keys: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, hold_seconds: float = 0.0) -> None:
        with self._lock:
            self.hold_seconds = hold_seconds
            self.max_in_flight = 0
            self.total = 0
            self.keys = []

    def enter(self, key: str) -> None:
        with self._lock:
            self.in_flight += 1
            self.total += 1
            self.keys.append(key)
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _GaugedApp:
    def __init__(self, app: WsgiApp, gauge: DownloadGauge) -> None:
        self.app = app
        self.gauge = gauge

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        # Path-style requests: /bucket is a bucket request, /bucket/key an object request.
        is_download = environ["REQUEST_METHOD"] == "GET" and path.count("/") >= 2
        if not is_download:
            return self.app(environ, start_response)
        self.gauge.enter(path)
        try:
            if self.gauge.hold_seconds:
                time.sleep(self.gauge.hold_seconds)
            # Read the whole body before leaving, so the count covers the transfer.
            return list(self.app(environ, start_response))
        finally:
            self.gauge.leave()


class S3TestServer:
    """moto's S3 server on 127.0.0.1 and a free port, serving until stop()."""

    def __init__(self) -> None:
        self.gauge = DownloadGauge()
        app = _GaugedApp(DomainDispatcherApplication(create_backend_app), self.gauge)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        # Each request would otherwise print an access log line.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=30)
        self._server.server_close()

    def create_bucket(self) -> str:
        name = f"lanner-{secrets.token_hex(6)}"
        response = httpx.put(f"{self.endpoint}/{name}", timeout=30)
        response.raise_for_status()
        return name

    def storage_url(self, bucket: str, prefix: str = "") -> str:
        path = "/" + quote(prefix) if prefix else ""
        return (
            f"s3://{bucket}{path}?endpoint={self.endpoint}&region={REGION}"
            f"&access_key_id={ACCESS_KEY}&secret_access_key={SECRET_KEY}"
        )
