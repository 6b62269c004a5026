"""Measurement helpers shared by every Python client runner.

Stdlib only: the official SDK's runner imports this from its own virtualenv, where neither
mcplite nor msgspec is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

PAGE_KIB = 4


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def throughput(
    call: Callable[[], Awaitable[object]],
    concurrency: int,
    warmup_seconds: float,
    duration_seconds: float,
) -> dict[str, Any]:
    """Run ``concurrency`` workers calling ``call`` in a loop: untimed warm-up, then a timed window.

    Only calls that complete inside the timed window count, and only their latencies are kept.
    """
    state = {"recording": False, "stop": False}
    latencies: list[float] = []
    perf = time.perf_counter

    async def worker() -> None:
        while not state["stop"]:
            t0 = perf()
            await call()
            if state["recording"]:
                latencies.append(perf() - t0)

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        await asyncio.sleep(warmup_seconds)
        latencies.clear()
        state["recording"] = True
        start = perf()
        await asyncio.sleep(duration_seconds)
        state["recording"] = False
        elapsed = perf() - start
        state["stop"] = True
        # The workers finish their current call; bounded because every call is.
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    finally:
        for task in tasks:
            task.cancel()
    latencies.sort()
    return {
        "calls": len(latencies),
        "elapsed": elapsed,
        "rate": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
    }


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB, read from /proc (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc/<pid>/task/*/children)."""
    found: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                found.extend(int(p) for p in f.read().split())
        except OSError:
            continue
    return found


def descendants_rss_kib(pid: int | None = None) -> int:
    """Summed RSS of every descendant of ``pid`` (default: this process), i.e. the server."""
    todo = children(os.getpid() if pid is None else pid)
    total = 0
    while todo:
        p = todo.pop()
        total += rss_kib(p)
        todo.extend(children(p))
    return total


def payload(size: int) -> str:
    """A deterministic ASCII string of ``size`` bytes."""
    base = "0123456789abcdef"
    return (base * (size // len(base) + 1))[:size]


def load_spec() -> dict[str, Any]:
    """The runner's job, given as one JSON argument."""
    if len(sys.argv) != 2:
        raise SystemExit("usage: runner SPEC_JSON")
    spec: dict[str, Any] = json.loads(sys.argv[1])
    return spec


def emit(result: dict[str, Any]) -> None:
    """The last stdout line of a runner is its JSON result."""
    sys.stdout.write("\nRESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


def run(main: Callable[[], Coroutine[Any, Any, dict[str, Any]]], loop: str = "asyncio") -> None:
    """asyncio.run, on uvloop when asked and importable."""
    if loop == "uvloop":
        import uvloop

        uvloop.install()
    emit(asyncio.run(main()))
