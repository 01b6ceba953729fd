"""A pyinstrument profile of ForEach-100 on the grouped executor, split by where time goes.

Runs the ForEach-100 flow of `foreach.py` on PostgreSQL in one process (executor, worker and
the waiting loop together, as `server standalone` does), profiles the measured runs with
pyinstrument and splits the time three ways:

- wall time per run, Lanner's CPU time per run (all threads) and PostgreSQL's CPU time per run
  (every `postgres` process on the machine, read from /proc), without and with the profiler;
- the profiled thread's own time by library (SQLAlchemy, psycopg, Jinja2, pydantic, Lanner's
  packages, the event loop waiting for I/O);
- the Lanner functions with the most time spent inside them, callees included.

Results go to benchmarks/results/profile_foreach.json and a section of docs/benchmarks.md.

    .venv/bin/python benchmarks/profile_foreach.py [--runs 20] [--warmup 3] [--ungrouped]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.frame import Frame

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    command_line,
    create_postgres_database,
    drop_postgres_database,
    git_revision,
    machine,
    postgres_url,
    write_report_section,
    write_results,
)
from foreach import FLOW

from lanner.instance import Instance
from lanner.settings import load_settings

# The library a frame's own time counts for: the first entry whose fragment is in its file path.
# Built-in functions and pyinstrument's synthetic frames count for their caller's library.
LIBRARIES = [
    ("<template>", "Jinja2"),
    ("selectors.py", "event loop waiting for I/O"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/psycopg/", "psycopg"),
    ("/psycopg_binary/", "psycopg"),
    ("/jinja2/", "Jinja2"),
    ("/pydantic/", "pydantic"),
    ("/pydantic_core/", "pydantic"),
    ("/lanner/expressions/", "Lanner: expressions"),
    ("/lanner/executor/", "Lanner: executor"),
    ("/lanner/worker/", "Lanner: worker"),
    ("/lanner/backend/", "Lanner: backend"),
    ("/lanner/executions/", "Lanner: execution model"),
    ("/lanner/tasks/", "Lanner: tasks"),
    ("/lanner/", "Lanner: other"),
    ("/asyncio/", "asyncio scheduling"),
    ("json", "JSON"),
]


def library_of(frame: Frame, caller: str) -> str:
    path = frame.file_path or ""
    for fragment, name in LIBRARIES:
        if fragment in path:
            return name
    if not path or path.startswith("<"):
        return caller
    return "other"


def postgres_cpu_seconds() -> float:
    """CPU time used so far by every process named `postgres`, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name.startswith("postgres"):
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def walk(
    frame: Frame,
    own: collections.Counter[str],
    inside: collections.Counter[str],
    stack: frozenset[str],
    caller: str,
) -> None:
    library = library_of(frame, caller)
    own[library] += frame.total_self_time

    name = ""
    if "/lanner/" in (frame.file_path or ""):
        module = frame.file_path.split("/lanner/", 1)[1].removesuffix(".py").replace("/", ".")
        name = f"lanner.{module}.{frame.function}"
        # Recursion and re-entry count once: the time is already inside the outer frame.
        if name not in stack:
            inside[name] += frame.time
    for child in frame.children:
        walk(child, own, inside, stack | {name} if name else stack, library)


async def profile(url: str, grouped: bool, runs: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-") as directory:
        settings = load_settings(
            data_dir=Path(directory), database_url=url, storage_url=f"file://{directory}/s"
        )
        settings.executor.grouped = grouped
        instance = Instance(settings)
        await instance.start(executor=True, worker=True)
        try:
            await instance.flows.deploy_text(FLOW)

            async def one_run() -> None:
                created = await instance.executions.create("bench", "foreach_100", {})
                done = await instance.executions.wait_until_finished(created.id, 300, poll=0.05)
                if done.state.value != "SUCCESS":
                    raise RuntimeError(f"ForEach-100 ended {done.state}")

            for _ in range(warmup):
                await one_run()

            async def measured(profiler: Profiler | None) -> dict[str, float]:
                wall, cpu = time.perf_counter(), time.process_time()
                database = postgres_cpu_seconds()
                if profiler is not None:
                    profiler.start()
                for _ in range(runs):
                    await one_run()
                if profiler is not None:
                    profiler.stop()
                return {
                    "wall_ms_per_run": round((time.perf_counter() - wall) * 1000 / runs, 1),
                    "lanner_cpu_ms_per_run": round((time.process_time() - cpu) * 1000 / runs, 1),
                    "postgresql_cpu_ms_per_run": round(
                        (postgres_cpu_seconds() - database) * 1000 / runs, 1
                    ),
                }

            # The same runs without the profiler first: sampling every millisecond roughly
            # doubles the CPU time, so only the shares of the profiled runs are meaningful.
            unprofiled = await measured(None)
            profiler = Profiler(interval=0.001, async_mode="disabled")
            profiled = await measured(profiler)
        finally:
            await instance.stop()

    session = profiler.last_session
    assert session is not None
    root = session.root_frame()
    assert root is not None
    own: collections.Counter[str] = collections.Counter()
    inside: collections.Counter[str] = collections.Counter()
    walk(root, own, inside, frozenset(), "other")
    sampled = sum(own.values())
    return {
        "grouped": grouped,
        "runs": runs,
        "unprofiled": unprofiled,
        "profiled": profiled,
        "own_time_share": {
            name: round(seconds / sampled, 3) for name, seconds in own.most_common()
        },
        "time_inside_ms_per_run": {
            name: round(seconds * 1000 / runs, 1) for name, seconds in inside.most_common(15)
        },
    }


def report(results: dict[str, Any]) -> str:
    facts, found = results["machine"], results["profile"]
    shares = ", ".join(
        f"{name} {share:.0%}" for name, share in found["own_time_share"].items() if share >= 0.01
    )
    lines = [
        "## Where the time of ForEach-100 goes",
        "",
        f"- Command: `{results['command']}` at revision {results['revision']}",
        f"- Machine: {facts['cores']} cores ({facts['cpu']}), Python {facts['python']}, "
        f"PostgreSQL {facts['postgresql']} on the same machine; executor "
        f"{'grouped' if found['grouped'] else 'ungrouped'}, profiled with pyinstrument",
        "",
        "| runs | wall ms per run | Lanner CPU ms per run | PostgreSQL CPU ms per run |",
        "| --- | --- | --- | --- |",
        *(
            f"| {label} | {found[key]['wall_ms_per_run']} | {found[key]['lanner_cpu_ms_per_run']} "
            f"| {found[key]['postgresql_cpu_ms_per_run']} |"
            for label, key in (("unprofiled", "unprofiled"), ("profiled", "profiled"))
        ),
        "",
        f"Own time of the profiled thread by library, in the profiled runs: {shares}.",
        "",
        "| Lanner function | ms per run, callees included |",
        "| --- | --- |",
    ]
    lines += [f"| `{name}` | {ms} |" for name, ms in found["time_inside_ms_per_run"].items()]
    return "\n".join(lines)


async def main(runs: int, warmup: int, grouped: bool) -> dict[str, Any]:
    database_name = create_postgres_database("lanner_bench_profile")
    try:
        found = await profile(postgres_url(database_name), grouped, runs, warmup)
    finally:
        drop_postgres_database(database_name)
    return {
        "benchmark": "profile-foreach-100",
        "command": command_line(),
        "revision": git_revision(),
        "machine": machine(),
        "profile": found,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="profiled runs")
    parser.add_argument("--warmup", type=int, default=3, help="unprofiled runs first")
    parser.add_argument("--ungrouped", action="store_true", help="profile the ungrouped executor")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments.runs, arguments.warmup, not arguments.ungrouped))
    path = write_results("profile_foreach", outcome)
    write_report_section("profile-foreach", report(outcome))
    print(report(outcome))
    print(f"wrote {path} and docs/benchmarks.md")
