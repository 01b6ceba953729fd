"""Namespace file downloads over S3 with 20 ms latency: sequential, parallel, warm cache.

Setup, all on loopback: an S3 server runs in its own process, by default the in-memory one
in `s3_memory_server.py`. `--server moto` runs moto's instead, which spends about 1.5 ms of
CPU per request and so, on two cores, caps what any client can reach. A small TCP proxy in
another process forwards every chunk a client sends 20 ms late, so every request waits 20 ms
more, as if the object store were a few network hops away. The proxy also counts object
downloads in flight. The downloads run in this process, through the proxy.

Variants, side by side in one run, each downloading into a fresh folder:

- one task, 500 files of 4 KiB: sequential (both limits 1, no cache), parallel (the default
  limits, no cache) and parallel with a warm cache (every file cached by an earlier run, so
  only the listing goes to S3);
- one task, 2,500 files of 4 KiB: the same three variants, sequential run once;
- four tasks at once, 500 different files each, sharing one downloader and so the
  instance-wide limit.

Times are wall-clock times of `NamespaceFileDownloader.download()`, listing included. The
working directories live under `--workdir`, /dev/shm by default where it exists. On a shared
disk the cost of creating a file swings with other processes' writes (from 0.03 to 0.9 ms per
4 KiB file on the 2-core development machine), and a warm-cache download of 500 files is a
listing plus 500 file creations. The report gives the creation cost measured there.

    .venv/bin/python benchmarks/namespace_files.py [--runs 5] [--latency-ms 20] [--workdir DIR]
        [--server memory|moto]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing
import os
import shutil
import socket
import sys
import tempfile
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    command_line,
    git_revision,
    machine,
    summary,
    write_report_section,
    write_results,
)

from lanner.namespace_files import (
    ContentCache,
    DownloadLimits,
    DownloadRequest,
    NamespaceFileDownloader,
)
from lanner.namespace_files.keys import file_key
from lanner.storage import Storage, storage_from_url

FILE_SIZE = 4096
CREDENTIALS = "region=us-east-1&access_key_id=bench&secret_access_key=bench"


# --- the S3 server and the delaying proxy, each in a process of its own ------------------


def serve_moto(port: int) -> None:
    """Run moto's S3 server (the app `moto_server` runs) on 127.0.0.1:port."""
    import logging

    from moto import backends
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    # moto lists its service modules on the file system for every request. The list never
    # changes while the server runs, so it is read once and the benchmark measures the client.
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: iter(modules)  # type: ignore[assignment]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = DomainDispatcherApplication(create_backend_app)
    make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
    ).serve_forever()


def serve_memory(port: int) -> None:
    """Run the in-memory S3 server of `s3_memory_server.py` on 127.0.0.1:port."""
    from s3_memory_server import serve

    serve(port)


SERVERS = {"memory": serve_memory, "moto": serve_moto}
SERVER_NAMES = {
    "memory": "the in-memory S3 server of `benchmarks/s3_memory_server.py`",
    "moto": "moto's S3 server",
}


def serve_proxy(
    port: int,
    upstream: int,
    latency: float,
    in_flight: Synchronized[int],
    max_in_flight: Synchronized[int],
) -> None:
    """Forward 127.0.0.1:port to 127.0.0.1:upstream, each client chunk `latency` s late."""
    asyncio.run(_proxy(port, upstream, latency, _Gauge(in_flight, max_in_flight)))


async def _proxy(port: int, upstream: int, latency: float, gauge: _Gauge) -> None:
    # Protocols and timers rather than streams, so the proxy takes as little as possible of
    # the CPU that the server and the client share.
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _ClientSide(upstream, latency, gauge), "127.0.0.1", port, backlog=1024
    )
    async with server:
        await server.serve_forever()


class _Gauge:
    """Counts object downloads in flight across every connection of the proxy."""

    def __init__(self, in_flight: Synchronized[int], max_in_flight: Synchronized[int]) -> None:
        self.in_flight = in_flight
        self.max_in_flight = max_in_flight

    def change(self, step: int) -> None:
        with self.in_flight.get_lock():
            self.in_flight.value += step
            if self.in_flight.value > self.max_in_flight.value:
                self.max_in_flight.value = self.in_flight.value


class _ClientSide(asyncio.Protocol):
    """One client connection: its chunks go upstream `latency` s late, in order."""

    def __init__(self, upstream: int, latency: float, gauge: _Gauge) -> None:
        self.upstream_port = upstream
        self.latency = latency
        self.gauge = gauge
        self.loop = asyncio.get_running_loop()
        self.delayed: collections.deque[tuple[float, bytes]] = collections.deque()
        self.timer: asyncio.TimerHandle | None = None
        self.upstream: asyncio.Transport | None = None
        self.closing = False
        # An HTTP/1.1 connection carries one request at a time. An object download is in
        # flight from the first byte of its request to the first byte of its response.
        self.downloading = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.client = transport
        self.loop.create_task(self._connect())

    async def _connect(self) -> None:
        self.upstream, _ = await self.loop.create_connection(
            lambda: _ServerSide(self), "127.0.0.1", self.upstream_port
        )
        self._send_due()

    def data_received(self, data: bytes) -> None:
        if not self.downloading and _is_download(data):
            self.downloading = True
            self.gauge.change(1)
        self.delayed.append((self.loop.time() + self.latency, data))
        if self.timer is None:
            self.timer = self.loop.call_at(self.delayed[0][0], self._send_due)

    def _send_due(self) -> None:
        self.timer = None
        if self.upstream is None:
            return
        now = self.loop.time()
        while self.delayed and self.delayed[0][0] <= now:
            self.upstream.write(self.delayed.popleft()[1])
        if self.delayed:
            self.timer = self.loop.call_at(self.delayed[0][0], self._send_due)
        elif self.closing:
            self.upstream.close()

    def response_started(self) -> None:
        if self.downloading:
            self.downloading = False
            self.gauge.change(-1)

    def connection_lost(self, error: Exception | None) -> None:
        self.response_started()
        self.closing = True
        if not self.delayed and self.upstream is not None:
            self.upstream.close()


class _ServerSide(asyncio.Protocol):
    """The connection to the S3 server that serves one client connection."""

    def __init__(self, client_side: _ClientSide) -> None:
        self.client_side = client_side

    def data_received(self, data: bytes) -> None:
        self.client_side.response_started()
        self.client_side.client.write(data)

    def connection_lost(self, error: Exception | None) -> None:
        self.client_side.client.close()


def _is_download(data: bytes) -> bool:
    """Tell whether a chunk starts a GET of an object (`/bucket/key`), not a listing."""
    parts = data.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) < 2 or parts[0] != b"GET":
        return False
    path = parts[1].split(b"?", 1)[0]
    return len(path.strip(b"/").split(b"/")) >= 2


# --- measurements ------------------------------------------------------------------------


class Proxy:
    """The benchmark's view of the proxy's download gauge and of each process's CPU time."""

    def __init__(
        self,
        in_flight: Synchronized[int],
        max_in_flight: Synchronized[int],
        processes: dict[str, int],
    ) -> None:
        self.in_flight = in_flight
        self.max_in_flight = max_in_flight
        self.processes = processes

    def cpu_seconds(self) -> dict[str, float]:
        """Return the CPU time used so far by the S3 server, the proxy and this process."""
        return {name: _cpu_seconds(pid) for name, pid in self.processes.items()}

    def reset(self) -> None:
        with self.max_in_flight.get_lock():
            self.max_in_flight.value = 0

    @property
    def max_seen(self) -> int:
        return int(self.max_in_flight.value)


async def seed(storage: Storage, namespace: str, count: int) -> None:
    limit = asyncio.Semaphore(32)

    async def put(index: int) -> None:
        async with limit:
            data = (f"{namespace} {index} ".encode() * FILE_SIZE)[:FILE_SIZE]
            await storage.put(file_key(namespace, f"dir{index % 20}/file{index:05d}.py"), data)

    await asyncio.gather(*(put(index) for index in range(count)))


async def timed(
    downloader: NamespaceFileDownloader, namespace: str, workspace: Path, count: int
) -> float:
    destination = Path(tempfile.mkdtemp(dir=workspace))
    started = time.perf_counter()
    report = await downloader.download(DownloadRequest([namespace]), destination)
    elapsed = time.perf_counter() - started
    if len(report.files) != count:
        raise RuntimeError(f"downloaded {len(report.files)} files of {namespace}, not {count}")
    shutil.rmtree(destination)
    return elapsed


async def one_task(
    storage: Storage, namespace: str, count: int, runs: int, sequential_runs: int,
    workspace: Path, proxy: Proxy,
) -> dict[str, Any]:
    sequential = NamespaceFileDownloader(storage, DownloadLimits(instance=1, per_task=1))
    parallel = NamespaceFileDownloader(storage, DownloadLimits.from_settings(None, None))
    warm = NamespaceFileDownloader(
        storage, DownloadLimits.from_settings(None, None), ContentCache(512 * 1024 * 1024)
    )
    await timed(warm, namespace, workspace, count)  # fills the cache

    samples: dict[str, list[float]] = {"sequential": [], "parallel": [], "warm_cache": []}
    max_in_flight = 0
    cpu_used = dict.fromkeys(proxy.processes, 0.0)
    for run in range(max(runs, sequential_runs)):
        if run < sequential_runs:
            samples["sequential"].append(await timed(sequential, namespace, workspace, count))
        if run < runs:
            proxy.reset()
            before = proxy.cpu_seconds()
            samples["parallel"].append(await timed(parallel, namespace, workspace, count))
            after = proxy.cpu_seconds()
            for name in cpu_used:
                cpu_used[name] += after[name] - before[name]
            max_in_flight = max(max_in_flight, proxy.max_seen)
            samples["warm_cache"].append(await timed(warm, namespace, workspace, count))

    result: dict[str, Any] = {name: summary(values) for name, values in samples.items()}
    sequential_median = result["sequential"]["median"]
    result["parallel_speedup"] = round(sequential_median / result["parallel"]["median"], 1)
    result["warm_cache_speedup"] = round(sequential_median / result["warm_cache"]["median"], 1)
    result["parallel_max_downloads_in_flight"] = max_in_flight
    # CPU time each process spent per downloaded file in the parallel runs, in ms.
    result["parallel_cpu_ms_per_file"] = {
        name: round(seconds * 1000 / (runs * count), 3) for name, seconds in cpu_used.items()
    }
    result["limits"] = {"instance": parallel.limits.instance, "per_task": parallel.limits.per_task}
    return result


async def four_tasks(
    storage: Storage, namespaces: list[str], count: int, runs: int, workspace: Path,
    proxy: Proxy,
) -> dict[str, Any]:
    shared = NamespaceFileDownloader(storage, DownloadLimits.from_settings(None, None))
    samples = []
    max_in_flight = 0
    for _ in range(runs):
        proxy.reset()
        started = time.perf_counter()
        await asyncio.gather(*(timed(shared, name, workspace, count) for name in namespaces))
        samples.append(time.perf_counter() - started)
        max_in_flight = max(max_in_flight, proxy.max_seen)
    return {
        "tasks": len(namespaces),
        "files_per_task": count,
        "all_tasks": summary(samples),
        "max_downloads_in_flight": max_in_flight,
        "limits": {"instance": shared.limits.instance, "per_task": shared.limits.per_task},
    }


def _cpu_seconds(pid: int) -> float:
    """Return the user and system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as status:
        fields = status.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def file_creation_ms(workspace: Path, count: int = 500, runs: int = 3) -> float:
    """Return the median time in ms to create and write one 4 KiB file in the workspace."""
    samples = []
    data = b"x" * FILE_SIZE
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(dir=workspace))
        started = time.perf_counter()
        for index in range(count):
            (folder / f"file{index}").write_bytes(data)
        samples.append((time.perf_counter() - started) * 1000 / count)
        shutil.rmtree(folder)
    return round(sorted(samples)[runs // 2], 4)


async def measure(
    endpoint: str, proxied: str, args: argparse.Namespace, workspace: Path, proxy: Proxy
) -> dict[str, Any]:
    # One bucket per variant: moto scans every key of a bucket for each listing page, which
    # a real object store does not, so a shared bucket would slow its listings down.
    results = {}
    variants = [
        ("files_500", ["bench.files500"], 500),
        ("files_2500", ["bench.files2500"], 2500),
        ("four_tasks_500", [f"bench.task{index}" for index in range(4)], 500),
    ]
    for name, namespaces, count in variants:
        bucket = name.replace("_", "-")
        httpx.put(f"{endpoint}/{bucket}", timeout=30).raise_for_status()
        direct = storage_from_url(f"s3://{bucket}?endpoint={endpoint}&{CREDENTIALS}")
        through_proxy = storage_from_url(f"s3://{bucket}?endpoint={proxied}&{CREDENTIALS}")
        try:
            for namespace in namespaces:
                await seed(direct, namespace, count)
            if len(namespaces) > 1:
                results[name] = await four_tasks(
                    through_proxy, namespaces, count, args.runs, workspace, proxy
                )
            else:
                sequential_runs = args.runs if count <= 500 else 1
                results[name] = await one_task(
                    through_proxy, namespaces[0], count, args.runs, sequential_runs, workspace,
                    proxy,
                )
        finally:
            await direct.close()
            await through_proxy.close()
    return results


# --- the run -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not respond within 60 s")


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    one, big, four = results["files_500"], results["files_2500"], results["four_tasks_500"]
    cpu = one["parallel_cpu_ms_per_file"]

    def row(label: str, data: dict[str, Any]) -> str:
        return (
            f"| {label} | {data['sequential']['median']:.3f} | {data['parallel']['median']:.3f} "
            f"| {data['warm_cache']['median']:.4f} | {data['parallel_speedup']}x "
            f"| {data['warm_cache_speedup']}x | {data['parallel_max_downloads_in_flight']} |"
        )

    facts = results["machine"]
    return "\n".join(
        [
            "## Namespace files: parallel download over S3",
            "",
            f"`{results['command']}` (revision {results['revision']}), on {facts['cores']} "
            f"cores ({facts['cpu']}), Python {facts['python']}: {SERVER_NAMES[args.server]} and a "
            "proxy "
            f"adding {args.latency_ms} ms to every request, both on loopback. Files of "
            f"{FILE_SIZE} bytes; median seconds of `download()`, listing included. Working "
            f"directories in `{results['workdir']}`, where creating one file costs "
            f"{results['file_creation_ms']} ms.",
            "",
            "| one task | sequential | parallel | warm cache | parallel speed-up "
            "| warm-cache speed-up | max downloads in flight |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            row("500 files", one),
            row("2,500 files", big),
            "",
            f"Limits: {one['limits']['instance']} downloads per worker process, "
            f"{one['limits']['per_task']} per task. Four tasks of 500 files each at once, "
            f"sharing the worker's limit: {four['all_tasks']['median']:.3f} s for all four, "
            f"at most {four['max_downloads_in_flight']} downloads in flight. Sequential 2,500 "
            "files ran once; every other figure is the median of "
            f"{args.runs} runs.",
            "",
            "CPU time per downloaded file in the parallel runs of 500 files: "
            + ", ".join(f"{name.replace('_', ' ')} {ms} ms" for name, ms in cpu.items())
            + f". Shared by {facts['cores']} cores, that is at least "
            f"{sum(cpu.values()) / facts['cores']:.2f} ms of wall time per file, while "
            f"{one['limits']['per_task']} downloads in flight at the sequential latency take "
            f"{one['sequential']['median'] * 1000 / 500 / one['limits']['per_task']:.2f} ms "
            "per file.",
        ]
    )


def _default_workdir() -> Path:
    shared_memory = Path("/dev/shm")
    if shared_memory.is_dir() and os.access(shared_memory, os.W_OK):
        return shared_memory / "lanner-bench"
    return Path(tempfile.gettempdir()) / "lanner-bench"


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs of each variant.")
    parser.add_argument("--latency-ms", type=int, default=20, help="Latency added per request.")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=_default_workdir(),
        help="Folder for the download destinations (removed afterwards when it was created).",
    )
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="memory",
        help="S3 server to download from: the in-memory one (default) or moto's.",
    )
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    server_port, proxy_port = free_port(), free_port()
    in_flight = context.Value("i", 0)
    max_in_flight = context.Value("i", 0)
    processes = [
        context.Process(target=SERVERS[args.server], args=(server_port,), daemon=True),
        context.Process(
            target=serve_proxy,
            args=(proxy_port, server_port, args.latency_ms / 1000, in_flight, max_in_flight),
            daemon=True,
        ),
    ]
    for process in processes:
        process.start()
    endpoint, proxied = f"http://127.0.0.1:{server_port}", f"http://127.0.0.1:{proxy_port}"
    try:
        wait_for(endpoint)
        wait_for(proxied)
        pids = {"s3_server": processes[0].pid, "proxy": processes[1].pid, "client": os.getpid()}
        proxy = Proxy(in_flight, max_in_flight, {name: pid for name, pid in pids.items() if pid})
        created = not args.workdir.exists()
        args.workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="lanner-bench-", dir=args.workdir) as workspace:
            creation = file_creation_ms(Path(workspace))
            measured = asyncio.run(
                measure(endpoint, proxied, args, Path(workspace), proxy)
            )
        if created:
            args.workdir.rmdir()
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)

    results = {
        "benchmark": "namespace_files",
        "command": command_line(),
        "revision": git_revision(),
        "machine": machine(),
        "s3_server": args.server,
        "latency_ms": args.latency_ms,
        "file_size": FILE_SIZE,
        "runs": args.runs,
        "workdir": _shown(args.workdir),
        "file_creation_ms": creation,
        **measured,
    }
    path = write_results("namespace_files", results)
    write_report_section("namespace-files", report(results, args))
    print(report(results, args))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
