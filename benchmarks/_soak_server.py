"""The server the soak check drives: ``python -m benchmarks._soak_server http|stdio STATS``.

It serves a few tools (echo, progress + logging, a call that hangs until cancelled) and
appends one JSON line of its own state to STATS every ``--interval`` seconds: RSS, open
fds, threads, asyncio tasks, sessions and connections (Linux /proc).  The first line
written by the HTTP server carries its port.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from mcplite import Context, Server
from mcplite._server.streamable_run import StreamableHTTPServer


def build() -> Server:
    server = Server("soak", "1.0")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    @server.tool()
    async def progress(ctx: Context, steps: int = 3) -> str:
        for i in range(steps):
            await ctx.progress(i + 1, total=steps, message="working")
            await ctx.log("info", f"step {i + 1}")
        return "done"

    @server.tool()
    async def hang() -> str:
        await asyncio.Event().wait()
        return "never"

    return server


def proc_state() -> dict[str, int]:
    rss = threads = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return {"rss_kib": rss, "fds": len(os.listdir("/proc/self/fd")), "threads": threads}


async def report(path: str, interval: float, extra: Any) -> None:
    # A local file, one short line a second: blocking the loop for that is nothing.
    with open(path, "a", buffering=1) as out:  # noqa: ASYNC230
        while True:
            state = {"t": time.time(), **proc_state(), "tasks": len(asyncio.all_tasks())}
            state.update(extra())
            out.write(json.dumps(state) + "\n")
            await asyncio.sleep(interval)


async def main_http(stats: str, interval: float, idle: float) -> None:
    server = build()
    srv = StreamableHTTPServer(server, session_idle_timeout=idle, shutdown_timeout=1.0)
    await srv.start()
    with open(stats, "a") as out:  # noqa: ASYNC230 - once, before serving
        out.write(json.dumps({"port": srv.port}) + "\n")

    def extra() -> dict[str, int]:
        return {
            "sessions": len(srv.app.sessions),
            "server_sessions": len(server.sessions),
            "connections": len(srv.http.connections),
        }

    reporter = asyncio.ensure_future(report(stats, interval, extra))
    try:
        await srv.serve_until_signal()
    finally:
        reporter.cancel()


async def main_stdio(stats: str, interval: float) -> None:
    server = build()
    reporter = asyncio.ensure_future(
        report(stats, interval, lambda: {"server_sessions": len(server.sessions)})
    )
    try:
        await server.serve_stdio()
    finally:
        reporter.cancel()


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks._soak_server")
    p.add_argument("transport", choices=["http", "stdio"])
    p.add_argument("stats")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--idle", type=float, default=5.0, help="HTTP session idle timeout")
    args = p.parse_args()
    if args.transport == "http":
        asyncio.run(main_http(args.stats, args.interval, args.idle))
    else:
        asyncio.run(main_stdio(args.stats, args.interval))
    return 0


if __name__ == "__main__":
    sys.exit(main())
