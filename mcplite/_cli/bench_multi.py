"""``mcplite bench`` beyond one run: its own ceiling, several client processes, comparisons.

- The ceiling: the same load shape against the built-in null server (``bench_null``) over
  the same kind of transport, in the same invocation; a result within
  ``CEILING_WARN_FRACTION`` of it says the generator, not the server, may be the limit.
- ``--processes P``: P client processes (``bench_worker``) share the load; their
  histograms, error counts and bytes are merged.
- ``--compare A B ...``: repetitions interleaved across the targets (A B A B ...), medians,
  spreads (min..max) and ratios to the first target, as this project's benchmarks do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, Final

import msgspec

from .._core.histogram import Histogram
from .bench_report import latency_ms
from .bench_run import check_target, measure
from .targets import _target

DEFAULT_BENCH_CEILING_SECONDS: Final = 2.0
CEILING_WARN_FRACTION: Final = 0.8
# The open loop's ceiling is measured closed-loop with at most this many calls in flight.
OPEN_LOOP_CEILING_CONCURRENCY: Final = 64
NULL_SERVER_START_SECONDS: Final = 10.0


def compare_target(spec: str) -> tuple[Any, str]:
    """A ``--compare`` entry: a URL or Python target as usual; text with spaces is a
    command line (``"node server.js"``)."""
    if " " in spec.strip():
        return shlex.split(spec), spec
    return _target(spec, []), spec


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def null_target(url: bool) -> AsyncIterator[Any]:
    """The built-in null server: a stdio command, or a URL served for the duration."""
    if not url:
        yield [sys.executable, "-m", "mcplite._cli.bench_null"]
        return
    port = _free_port()
    spec = "mcplite._cli.bench_null:http_server"
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "mcplite", "run", spec, "--http", f"127.0.0.1:{port}"],
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + NULL_SERVER_START_SECONDS
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline or proc.returncode is not None:
                    raise RuntimeError("the built-in null HTTP server did not start") from None
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            break
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(5):
                    await proc.wait()
            except TimeoutError:  # pragma: no cover - a hung null server
                proc.kill()
                await proc.wait()


def _split(total: int | None, parts: int, i: int) -> int | None:
    if total is None:
        return None
    return max(1, total // parts + (1 if i < total % parts else 0))


async def _worker(target: Any, settings: dict[str, Any]) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mcplite._cli.bench_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate(msgspec.json.encode({"target": target, "settings": settings}))
    if proc.returncode not in (0, 1, 3, 130) or not out.strip():
        raise RuntimeError(f"a bench worker process failed (exit status {proc.returncode})")
    result: dict[str, Any] = msgspec.json.decode(out)
    return result


async def spread(target: Any, settings: dict[str, Any], processes: int) -> dict[str, Any]:
    """The run split over ``processes`` client processes, merged into one result."""
    await check_target(target, settings)
    parts = []
    for i in range(processes):
        part = dict(settings)
        part["concurrency"] = _split(settings["concurrency"], processes, i)
        part["sessions"] = _split(settings["sessions"], processes, i)
        part["calls"] = _split(settings["calls"], processes, i)
        if settings["rate"] is not None:
            part["rate"] = settings["rate"] / processes
        parts.append(part)
    results = await asyncio.gather(*(_worker(target, part) for part in parts))
    merged = merge(list(results))
    merged["settings"] = dict(settings, processes=processes)
    return merged


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several processes' results of the same window."""
    h = Histogram()
    for r in results:
        h.merge(Histogram.from_dict(r["histogram"]))
    errors: dict[str, int] = {}
    examples: dict[str, str] = {}
    for r in results:
        for kind, n in r["errors"].items():
            errors[kind] = errors.get(kind, 0) + n
        for kind, text in r.get("error_examples", {}).items():
            examples.setdefault(kind, text)
    elapsed = max(r["elapsed_seconds"] for r in results)
    sent = sum(r["bytes"]["sent"] for r in results)
    received = sum(r["bytes"]["received"] for r in results)
    timeline: list[dict[str, Any]] = []
    for r in results:
        for i, step in enumerate(r["timeline"]):
            if i == len(timeline):
                timeline.append({"calls": 0, "errors": 0, "p50": 0.0, "p99": 0.0, "max": 0.0})
            slot = timeline[i]
            slot["calls"] += step["calls"]
            slot["errors"] += step["errors"]
            # Per-step percentiles of several processes: the worst of them.
            for key in ("p50", "p99", "max"):
                slot[key] = max(slot[key], step[key])
    first = results[0]
    return {
        **first,
        "calls": h.count,
        "ok": h.count - sum(errors.values()),
        "elapsed_seconds": elapsed,
        "calls_per_second": round(h.count / elapsed, 1) if elapsed > 0 else 0.0,
        "latency_ms": latency_ms(h),
        "errors": dict(sorted(errors.items())),
        "error_examples": dict(sorted(examples.items())),
        "bytes": {
            "sent": sent,
            "received": received,
            "sent_per_call": round(sent / h.count, 1) if h.count else 0.0,
            "received_per_call": round(received / h.count, 1) if h.count else 0.0,
        },
        "timeline": timeline,
        "histogram": h.to_dict(),
        "interrupted": any(r["interrupted"] for r in results),
        "broken": next((r["broken"] for r in results if r["broken"]), None),
    }


async def measure_any(
    target: Any, settings: dict[str, Any], processes: int, **options: Any
) -> dict[str, Any]:
    if processes <= 1:
        return await measure(target, settings, **options)
    result = await spread(target, settings, processes)
    result["target"] = options.get("label") or str(target)
    return result


async def ceiling(settings: dict[str, Any], url: bool, processes: int) -> dict[str, Any]:
    """The generator's own ceiling: the same load shape against the null server."""
    from .bench_null import NULL_TOOL  # lazy: CLI bench: the null server only for a ceiling run

    closed = settings["loop"] == "closed"
    shape = dict(
        settings,
        method="tools/call",
        name=NULL_TOOL,
        uri=None,
        # The HTTP null server's tool takes no arguments; the stdio one takes any.
        arguments={} if url else settings["arguments"],
        loop="closed",
        rate=None,
        concurrency=(
            settings["concurrency"]
            if closed
            else min(settings["concurrency"], OPEN_LOOP_CEILING_CONCURRENCY)
        ),
        duration=min(
            settings["duration"] or DEFAULT_BENCH_CEILING_SECONDS, DEFAULT_BENCH_CEILING_SECONDS
        ),
        calls=None,
        warmup=min(settings["warmup"], 0.5),
    )
    kind = "http" if url else "stdio"
    async with null_target(url) as target:
        r = await measure_any(target, shape, processes, label=f"built-in null server ({kind})")
    return {
        "target": f"built-in null server ({kind})",
        "calls_per_second": r["calls_per_second"],
        "latency_ms": r["latency_ms"],
        "concurrency": shape["concurrency"],
        "sessions": shape["sessions"],
        "processes": processes,
    }


def ceiling_note(rate: float, limit: float, open_loop: bool) -> str | None:
    if limit <= 0 or rate < CEILING_WARN_FRACTION * limit:
        return None
    what = "the rate asked for" if open_loop else "this result"
    return (
        f"{what} ({rate:,.0f} calls/s) is {rate / limit:.0%} of the generator's own "
        f"ceiling ({limit:,.0f} calls/s against the built-in null server, warned from "
        f"{CEILING_WARN_FRACTION:.0%}): "
        "the load generator, not the server, may be the limit (try --processes)"
    )


async def compare(
    targets: list[tuple[Any, str]],
    settings: dict[str, Any],
    reps: int,
    processes: int,
    with_ceiling: bool,
) -> dict[str, Any]:
    """Interleaved repetitions across ``targets``; medians, spreads, ratios to the first."""
    runs: list[list[dict[str, Any]]] = [[] for _ in targets]
    for rep in range(reps):
        for i, (target, label) in enumerate(targets):
            print(f"  rep {rep + 1}/{reps}: {label}", file=sys.stderr, flush=True)
            result = await measure_any(target, settings, processes, label=label)
            runs[i].append(result)
            if result.get("interrupted"):
                break
        if any(r and r[-1].get("interrupted") for r in runs):
            break
    rows: list[dict[str, Any]] = []
    for (_, label), results in zip(targets, runs, strict=True):
        rates = [r["calls_per_second"] for r in results]
        p50s = [r["latency_ms"]["p50"] for r in results]
        p99s = [r["latency_ms"]["p99"] for r in results]
        rows.append(
            {
                "target": label,
                "server": results[0].get("server") if results else None,
                "reps": len(results),
                "calls_per_second": _stats(rates),
                "p50_ms": _stats(p50s),
                "p99_ms": _stats(p99s),
                "errors": sum(sum(r["errors"].values()) for r in results),
                "broken": next((r["broken"] for r in results if r.get("broken")), None),
            }
        )
    base = rows[0]["calls_per_second"]["median"] if rows and rows[0]["reps"] else 0.0
    base_p50 = rows[0]["p50_ms"]["median"] if rows and rows[0]["reps"] else 0.0
    for row in rows:
        median = row["calls_per_second"]["median"]
        row["throughput_ratio"] = round(median / base, 3) if base else None
        p50 = row["p50_ms"]["median"]
        row["p50_ratio"] = round(p50 / base_p50, 3) if base_p50 else None
    out: dict[str, Any] = {
        "compare": rows,
        "settings": dict(settings, reps=reps, processes=processes),
        "interrupted": any(r and r[-1].get("interrupted") for r in runs),
        "notes": [],
    }
    if with_ceiling and not out["interrupted"]:
        url = any(isinstance(t, str) for t, _ in targets)
        out["ceiling"] = await ceiling(settings, url, processes)
        limit = out["ceiling"]["calls_per_second"]
        for row in rows:
            rate = settings["rate"] if settings["rate"] else row["calls_per_second"]["median"]
            note = ceiling_note(rate, limit, settings["rate"] is not None)
            if note:
                out["notes"].append(f"{row['target']}: {note}")
    return out


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": 0.0, "min": 0.0, "max": 0.0}
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }
