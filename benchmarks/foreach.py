"""ForEach-100: Kestra's benchmark flow, from execution creation to its end.

A ForEach over `{{ range(1, 100) }}` with `concurrencyLimit: 0` and one OutputValues child:
100 task runs finish almost together, so each one's result is an executor message of the same
execution. Grouped, the executor applies them in few transactions under one lock; ungrouped,
one message per transaction, each waiting for the row lock.

Durations come from the stored execution (its CREATED date to its end date). Every variant runs
in one process (executor, worker and the benchmark's own waiting loop share it), on SQLite and
on PostgreSQL, one after the other in the same run.

    .venv/bin/python benchmarks/foreach.py [--runs 15] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    command_line,
    create_postgres_database,
    drop_postgres_database,
    git_revision,
    machine,
    postgres_url,
    summary,
    write_report_section,
    write_results,
)

from lanner.instance import Instance
from lanner.settings import load_settings

FLOW = """
id: foreach_100
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 100) }}"
    concurrencyLimit: 0
    tasks:
      - id: out
        type: io.kestra.plugin.core.output.OutputValues
        values:
          value: "{{ taskrun.value }}"
"""


async def measure(url: str, grouped: bool, runs: int, warmup: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-") as directory:
        settings = load_settings(
            data_dir=Path(directory), database_url=url, storage_url=f"file://{directory}/s"
        )
        settings.executor.grouped = grouped
        instance = Instance(settings)
        await instance.start(executor=True, worker=True)
        try:
            await instance.flows.deploy_text(FLOW)
            durations = []
            for run in range(warmup + runs):
                created = await instance.executions.create("bench", "foreach_100", {})
                done = await instance.executions.wait_until_finished(created.id, 300, poll=0.05)
                if done.state.value != "SUCCESS" or len(done.task_runs) != 101:
                    raise RuntimeError(f"run {run} ended {done.state} with "
                                       f"{len(done.task_runs)} task runs")
                assert done.end_date is not None
                if run >= warmup:
                    durations.append((done.end_date - done.start_date).total_seconds())
            return durations
        finally:
            await instance.stop()


async def main(runs: int, warmup: int) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "foreach-100",
        "command": command_line(),
        "revision": git_revision(),
        "machine": machine(),
        "variants": {},
    }
    for database in ("sqlite", "postgresql"):
        for grouped in (True, False):
            name = f"{database}-{'grouped' if grouped else 'ungrouped'}"
            if database == "sqlite":
                with tempfile.TemporaryDirectory() as directory:
                    samples = await measure(f"sqlite:///{directory}/bench.db", grouped, runs,
                                            warmup)
            else:
                database_name = create_postgres_database("lanner_bench_foreach")
                try:
                    samples = await measure(postgres_url(database_name), grouped, runs, warmup)
                finally:
                    drop_postgres_database(database_name)
            results["variants"][name] = summary(samples)
            print(f"{name}: {results['variants'][name]}", flush=True)
    for database in ("sqlite", "postgresql"):
        grouped = results["variants"][f"{database}-grouped"]["median"]
        ungrouped = results["variants"][f"{database}-ungrouped"]["median"]
        results[f"{database}_speedup"] = round(ungrouped / grouped, 2)
    return results


def report(results: dict[str, Any]) -> str:
    facts = results["machine"]
    lines = [
        "## ForEach-100: grouped vs ungrouped executor messages",
        "",
        "Kestra's benchmark flow: a ForEach over `{{ range(1, 100) }}` with "
        "`concurrencyLimit: 0` and one OutputValues child, from execution creation to its end "
        "(stored timestamps). Executor and worker in one process (`server standalone` layout).",
        "",
        f"- Command: `{results['command']}` at revision {results['revision']}",
        f"- Machine: {facts['cores']} cores ({facts['cpu']}), {facts['memory_gib']} GiB, "
        f"Python {facts['python']}, PostgreSQL {facts['postgresql']} on the same machine, "
        f"SQLite {facts['sqlite']}",
        "",
        "| variant | median (s) | p95 (s) | min (s) | max (s) | runs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, stats in results["variants"].items():
        lines.append(
            f"| {name} | {stats['median']} | {stats['p95']} | {stats['min']} | {stats['max']} "
            f"| {stats['runs']} |"
        )
    lines += [
        "",
        f"Grouped is {results['postgresql_speedup']}x faster than ungrouped on PostgreSQL and "
        f"{results['sqlite_speedup']}x on SQLite (ratio of medians).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs per variant")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs per variant")
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments.runs, arguments.warmup))
    path = write_results("foreach", outcome)
    write_report_section("foreach", report(outcome))
    print(f"wrote {path} and docs/benchmarks.md")
