"""The executor under load, on PostgreSQL: ForEach-100 by layout, sustained load, hop latency,
growth and memory.

    .venv/bin/python benchmarks/executor_load.py [--only foreach,sustained,hop,growth,memory]

- ForEach-100: Kestra's benchmark flow, creation to end, grouped vs ungrouped, with
  `server standalone` and with separate executor and worker processes.
- Sustained load: a two-task flow (OutputValues then Log) started at 1,000, 2,000, 3,000 and
  4,000 executions per minute for 60 s each; latency from creation to end (p50, p95) and the
  backlog left when the minute is over.
- Hop latency: 20 sequential Log tasks; the time from one task run's end to the next one's start.
- Growth: a ForEach over 10,000 values with `concurrencyLimit: 100`; time per task run compared
  with ForEach-100's.
- Memory: resident memory of `server standalone` with 1,000 executions created at once and
  waiting to run (the worker is held back by a worker group nobody serves).

Every duration comes from stored timestamps. Results go to benchmarks/results/executor_load.json
and a section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import Client, Cluster, settle
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

FOREACH_100 = """
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

GROWTH = """
id: foreach_10000
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 10000) }}"
    concurrencyLimit: 100
    tasks:
      - id: out
        type: io.kestra.plugin.core.output.OutputValues
        values:
          value: "{{ taskrun.value }}"
"""

TWO_TASKS = """
id: two_tasks
namespace: bench
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      key: "{{ execution.id }}"
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.values.values.key }}"
"""

HOPS = "id: hops\nnamespace: bench\ntasks:\n" + "".join(
    f"  - id: step_{number:02d}\n    type: io.kestra.plugin.core.log.Log\n"
    f"    message: step {number}\n"
    for number in range(20)
)

HELD = """
id: held
namespace: bench
tasks:
  - id: wait
    type: io.kestra.plugin.core.log.Log
    message: never claimed
    workerGroup:
      key: nobody
"""


class Database:
    def __init__(self, prefix: str) -> None:
        self.name = create_postgres_database(prefix)
        self.url = postgres_url(self.name)

    def drop(self) -> None:
        drop_postgres_database(self.name)


async def _with_cluster(layout: str, grouped: bool, flows: list[str], body: Any,
                        environment: dict[str, str] | None = None) -> Any:
    database = Database("lanner_bench")
    with tempfile.TemporaryDirectory(prefix="lanner-bench-") as directory:
        cluster = Cluster(layout, database.url, Path(directory), grouped,
                          environment=environment or {})
        try:
            async with Client(database.url, Path(directory)) as client:
                for source in flows:
                    await client.deploy(source)
                cluster.start()
                return await body(client, cluster)
        finally:
            cluster.stop()
            database.drop()


async def foreach_100(runs: int, warmup: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for layout in ("standalone", "split"):
        for grouped in (True, False):

            async def body(client: Client, cluster: Cluster) -> list[float]:
                await client.wait_ready("bench", "foreach_100")
                samples = []
                for run in range(warmup + runs):
                    created = await client.create("bench", "foreach_100")
                    done = await client.wait(created.id)
                    assert done.state.value == "SUCCESS" and len(done.task_runs) == 101
                    assert done.end_date is not None
                    if run >= warmup:
                        samples.append((done.end_date - done.start_date).total_seconds())
                return samples

            name = f"{layout}-{'grouped' if grouped else 'ungrouped'}"
            results[name] = summary(await _with_cluster(layout, grouped, [FOREACH_100], body))
            print(f"foreach-100 {name}: {results[name]}", flush=True)
            await settle()
    for layout in ("standalone", "split"):
        ratio = results[f"{layout}-ungrouped"]["median"] / results[f"{layout}-grouped"]["median"]
        results[f"{layout}-speedup"] = round(ratio, 2)
    return results


async def sustained(rates: list[int], seconds: float) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for rate in rates:

        async def body(client: Client, cluster: Cluster, rate: int = rate) -> dict[str, Any]:
            await client.wait_ready("bench", "two_tasks")
            interval = 60.0 / rate
            created: list[str] = []
            start = time.monotonic()
            for number in range(int(rate * seconds / 60)):
                delay = start + number * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                created.append((await client.create("bench", "two_tasks")).id)
            offered_for = time.monotonic() - start
            backlog = await _unfinished(client, created)
            finished = [await client.wait(execution_id) for execution_id in created]
            latencies = [
                (execution.end_date - execution.start_date).total_seconds()
                for execution in finished if execution.end_date is not None
            ]
            return {
                **summary(latencies),
                "created": len(created),
                "offered_seconds": round(offered_for, 1),
                "backlog_at_end": backlog,
                "failed": sum(1 for item in finished if item.state.value != "SUCCESS"),
            }

        results[f"{rate}/min"] = await _with_cluster("standalone", True, [TWO_TASKS], body)
        print(f"sustained {rate}/min: {results[f'{rate}/min']}", flush=True)
        await settle()
    return results


async def _unfinished(client: Client, ids: list[str]) -> int:
    backend = client.instance.backend
    count = 0
    async with backend.db.transaction(write=False) as connection:
        for execution_id in ids:
            if not await backend.executions.finished(connection, execution_id):
                count += 1
    return count


async def hop_latency(runs: int) -> dict[str, Any]:
    async def body(client: Client, cluster: Cluster) -> list[float]:
        await client.wait_ready("bench", "hops")
        hops: list[float] = []
        for _ in range(runs):
            done = await client.wait((await client.create("bench", "hops")).id)
            ordered = sorted(done.task_runs.values(), key=lambda run: run.seq)
            for previous, following in itertools.pairwise(ordered):
                assert previous.end_date is not None
                started = next(item.date for item in following.histories
                               if item.state.value == "RUNNING")
                hops.append((started - previous.end_date).total_seconds() * 1000)
        return hops

    samples = await _with_cluster("standalone", True, [HOPS], body)
    result = summary(samples)
    print(f"hop latency (ms): {result}", flush=True)
    return result


async def growth() -> dict[str, Any]:
    async def body(client: Client, cluster: Cluster) -> dict[str, Any]:
        await client.wait_ready("bench", "foreach_100")
        small = []
        for _ in range(5):
            done = await client.wait((await client.create("bench", "foreach_100")).id)
            assert done.end_date is not None
            small.append((done.end_date - done.start_date).total_seconds() / 100)
        done = await client.wait((await client.create("bench", "foreach_10000")).id, 3600)
        assert done.state.value == "SUCCESS" and len(done.task_runs) == 10001
        assert done.end_date is not None
        large = (done.end_date - done.start_date).total_seconds() / 10000
        return {
            "foreach_100_ms_per_task_run": round(statistics.median(small) * 1000, 3),
            "foreach_10000_ms_per_task_run": round(large * 1000, 3),
            "ratio": round(large / statistics.median(small), 2),
        }

    result = await _with_cluster("standalone", True, [FOREACH_100, GROWTH], body)
    print(f"growth: {result}", flush=True)
    return result


async def memory() -> dict[str, Any]:
    async def body(client: Client, cluster: Cluster) -> dict[str, Any]:
        await asyncio.sleep(3)
        before = _rss_mib(cluster.pids[0])
        ids = [(await client.create("bench", "held")).id for _ in range(1000)]
        # Let the executor apply every creation and create every worker job.
        for _ in range(600):
            backend = client.instance.backend
            async with backend.db.transaction(write=False) as connection:
                pending = await backend.messages.count(connection)
                jobs = await backend.jobs.count(connection)
            if pending == 0 and jobs == len(ids):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        return {"idle_rss_mib": before, "rss_mib": _rss_mib(cluster.pids[0]),
                "executions": len(ids), "worker_jobs": jobs}

    result = await _with_cluster("standalone", True, [HELD], body)
    print(f"memory: {result}", flush=True)
    return result


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


def report(results: dict[str, Any]) -> str:
    facts = results["machine"]
    lines = [
        "## Executor under load (PostgreSQL)",
        "",
        f"- Command: `{results['command']}` at revision {results['revision']}",
        f"- Machine: {facts['cores']} cores ({facts['cpu']}), {facts['memory_gib']} GiB, "
        f"Python {facts['python']}, PostgreSQL {facts['postgresql']} on the same machine",
        "- Lanner runs as `lanner server standalone`, or as `lanner server executor` plus "
        "`lanner server worker` (split); the benchmark is a third process creating executions.",
        "",
    ]
    if "foreach" in results:
        lines += ["### ForEach-100 by layout", "",
                  "| variant | median (s) | p95 (s) | runs |", "| --- | --- | --- | --- |"]
        for name, stats in results["foreach"].items():
            if isinstance(stats, dict):
                lines.append(f"| {name} | {stats['median']} | {stats['p95']} | {stats['runs']} |")
        lines += ["", f"Grouped vs ungrouped (ratio of medians): standalone "
                  f"{results['foreach']['standalone-speedup']}x, split "
                  f"{results['foreach']['split-speedup']}x.", ""]
    if "sustained" in results:
        lines += ["### Sustained load (two-task flow, 60 s per rate, standalone)", "",
                  "| offered rate | created | p50 (s) | p95 (s) | backlog at end | failed |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for rate, stats in results["sustained"].items():
            lines.append(f"| {rate} | {stats['created']} | {stats['median']} | {stats['p95']} | "
                         f"{stats['backlog_at_end']} | {stats['failed']} |")
        lines.append("")
    if "hop" in results:
        hop = results["hop"]
        lines += ["### Hop latency (20 sequential Log tasks, standalone)", "",
                  f"From one task run's end to the next one's start: median {hop['median']} ms, "
                  f"p95 {hop['p95']} ms over {hop['runs']} hops.", ""]
    if "growth" in results:
        growth_result = results["growth"]
        lines += ["### Growth (ForEach over 10,000 values, concurrencyLimit 100)", "",
                  f"{growth_result['foreach_10000_ms_per_task_run']} ms per task run, against "
                  f"{growth_result['foreach_100_ms_per_task_run']} ms for ForEach-100: "
                  f"{growth_result['ratio']}x.", ""]
    if "memory" in results:
        memory_result = results["memory"]
        lines += ["### Memory", "",
                  f"`server standalone` resident memory: {memory_result['idle_rss_mib']} MiB idle, "
                  f"{memory_result['rss_mib']} MiB with {memory_result['executions']} executions "
                  f"created at once and waiting to run.", ""]
    return "\n".join(lines)


async def main(only: set[str], runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "executor-load",
        "command": command_line(),
        "revision": git_revision(),
        "machine": machine(),
    }
    if "foreach" in only:
        results["foreach"] = await foreach_100(runs, warmup=3)
    if "hop" in only:
        results["hop"] = await hop_latency(runs=10)
    if "growth" in only:
        results["growth"] = await growth()
    if "memory" in only:
        results["memory"] = await memory()
    if "sustained" in only:
        results["sustained"] = await sustained([1000, 2000, 3000, 4000], seconds=60)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="foreach,hop,growth,memory,sustained",
                        help="comma-separated parts to run, among foreach, sustained, hop, "
                        "growth and memory (default: all)")
    parser.add_argument("--runs", type=int, default=15, help="measured ForEach-100 runs")
    arguments = parser.parse_args()
    parts = set(arguments.only.split(","))
    outcome = asyncio.run(main(parts, arguments.runs))
    path = write_results("executor_load", outcome)
    write_report_section("executor-load", report(outcome))
    print(f"wrote {path} and docs/benchmarks.md")
