"""Client CPU per call: the floor's and mcplite's HTTP clients against the floor's server.

    python -m benchmarks client-cpu [--calls N] [--inflight K] [--rounds R] [--only REGEX]
                                    [--profile DIR]

The mirror of ``server-cpu``: one server (the floor's streamable-HTTP echo server, in JSON- or
SSE-response mode), two clients (the floor's small pool of raw asyncio streams, and
``mcplite.connect(url)`` + ``call_tool("echo", ...)``), each in its own process so that the
CPU it reports (utime + stime of the client process, ``resource.getrusage``) is the client's
alone. A client process warms up untimed (connections open, caches hot), then makes N calls,
K in flight, and again one at a time. Rounds are interleaved (every client once, then again);
each row prints the median and the spread, and mcplite's rows their ratio to the floor's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from . import _execute

CLIENTS = ("floor", "mcplite")
MODES = ("json", "sse")
TEXT = "0123456789abcdef"
CHILD_TIMEOUT_SECONDS = 300.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _timed(call: Callable[[], Awaitable[Any]], calls: int, inflight: int) -> float:
    """CPU microseconds per call of ``calls`` calls, ``inflight`` at a time."""

    async def worker(n: int) -> None:
        for _ in range(n):
            await call()

    async def batch(total: int) -> None:
        share, extra = divmod(total, inflight)
        await asyncio.gather(*(worker(share + (i < extra)) for i in range(inflight)))

    await batch(max(inflight * 20, calls // 5))  # warm-up
    before = _cpu_seconds()
    await batch(calls)
    return (_cpu_seconds() - before) / calls * 1e6


async def _child(kind: str, url: str, calls: int, inflights: list[int], profile: str) -> None:
    prof = None
    if profile:
        import cProfile  # lazy: only with --profile

        prof = cProfile.Profile()
    out: dict[str, float] = {}
    if kind == "floor":
        from . import floor  # lazy: the mcplite child does not import the floor

        async with floor.connect_http(url) as fc:

            async def call() -> Any:
                return await fc.call_echo(TEXT)

            for k in inflights:
                out[str(k)] = await _timed(call, calls, k)
    else:
        import mcplite  # lazy: the floor child does not import mcplite

        async with mcplite.connect(url, protocol_version="2025-11-25") as mc:

            async def call() -> Any:
                result = await mc.call_tool("echo", {"text": TEXT})
                if result.content[0].text != TEXT:  # type: ignore[union-attr]
                    raise RuntimeError(f"unexpected echo: {result!r}")
                return result

            for k in inflights:
                if prof is not None and k == inflights[0]:
                    prof.enable()
                out[str(k)] = await _timed(call, calls, k)
                if prof is not None and k == inflights[0]:
                    prof.disable()
    if prof is not None:
        prof.dump_stats(profile)
    print(json.dumps(out), flush=True)


def measure(
    kind: str, sse: bool, calls: int, inflights: list[int], profile: str = ""
) -> dict[int, float]:
    """Start the floor's server, run one client process, return {in flight: us/call}."""
    port = _execute._free_port()
    cmd = _execute.server_cmd("floor", _execute.Env(), "asyncio", port, sse=sse)
    server = subprocess.Popen(
        cmd, env=_execute._child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _execute._wait_listening(server, port)
        url = f"http://{_execute.HOST}:{port}/mcp"
        child = [sys.executable, "-m", "benchmarks.client_cpu", "--child", kind, url]
        child += ["--calls", str(calls), "--inflights", ",".join(map(str, inflights))]
        if profile:
            child += ["--profile-out", profile]
        done = subprocess.run(
            child,
            env=_execute._child_env(),
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{kind} client failed: {done.stderr.decode()[-600:]}")
        result = json.loads(done.stdout.decode().strip().splitlines()[-1])
        return {int(k): float(v) for k, v in result.items()}
    finally:
        _execute._stop(server)
        if server.stderr is not None:
            server.stderr.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks client-cpu", description=__doc__)
    p.add_argument("--calls", type=int, default=10_000, help="timed calls per run")
    p.add_argument("--inflight", type=int, default=16, help="calls in flight (then 1)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    p.add_argument("--only", metavar="REGEX", help="rows whose name matches (mcplite/sse, ...)")
    p.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile mcplite's client at --inflight into PREFIX-json.prof / PREFIX-sse.prof",
    )
    p.add_argument("--child", nargs=2, metavar=("CLIENT", "URL"), help=argparse.SUPPRESS)
    p.add_argument("--inflights", default="", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        inflights = [int(k) for k in args.inflights.split(",")]
        asyncio.run(_child(args.child[0], args.child[1], args.calls, inflights, args.profile_out))
        return 0
    inflights = [args.inflight] if args.inflight == 1 else [args.inflight, 1]
    rows = [
        f"{kind}/{mode}"
        for mode in MODES
        for kind in CLIENTS
        if args.only is None or re.search(args.only, f"{kind}/{mode}")
    ]
    runs: dict[tuple[str, int], list[float]] = {(r, k): [] for r in rows for k in inflights}
    for r in range(args.rounds):
        for row in rows:
            kind, mode = row.split("/")
            profile = ""
            if args.profile and kind == "mcplite" and r == 0:
                profile = f"{args.profile}-{mode}.prof"
            got = measure(kind, mode == "sse", args.calls, inflights, profile)
            for k, us in got.items():
                runs[(row, k)].append(us)
            figures = "  ".join(f"{k:>2} in flight {us:6.1f} us" for k, us in got.items())
            print(f"  [{r + 1}/{args.rounds}] {row:<13} {figures}", flush=True)
    print(f"\nclient CPU per call, {args.calls} calls, floor's server (median, range):")
    for k in inflights:
        for row in rows:
            values = runs[(row, k)]
            med = statistics.median(values)
            kind, mode = row.split("/")
            base = runs.get((f"floor/{mode}", k))
            ratio = ""
            if kind != "floor" and base:
                ratio = f"  {med / statistics.median(base):4.2f}x floor"
            lo, hi = min(values), max(values)
            print(f"  {row:<13} {k:>2} in flight {med:7.1f} us  ({lo:.1f}-{hi:.1f}){ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
