"""Shared sessions on Redis vs one in-memory worker, same run (issue 19).

    python -m benchmarks.redis [--duration 3] [--repetitions 3] [--sessions 500]

Needs redis-server on PATH and redis-py.  Starts its own redis-server (loopback, free port,
persistence off) and its own workers; every number is from this run, interleaved:

- "HTTP JSON sequential, stateful": one client, one request at a time (tools/call echo,
  answers as JSON), against (a) one worker with no store and (b) two workers sharing a
  RedisStore, the client alternating between them on every request (no stickiness).
- "SSE with replay": the same with SSE answers (json_response off), so every answer is an
  event kept for Last-Event-ID replay (in the worker's memory, or in Redis).
- memory per idle session: Redis used_memory and the worker's RSS, after N sessions.

Each cell is the median of the repetitions; the ratio's spread is the min..max of the
per-repetition ratios.  All traffic is on 127.0.0.1 and every run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a process exited ({proc.returncode}) before listening")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"nothing listens on {port}")


def serve(port: int, url: str | None, json_response: bool) -> None:
    """A worker: the echo tool, with or without a RedisStore."""
    from mcplite import Server

    store = None
    if url:
        from mcplite import RedisStore

        store = RedisStore(url)
    server = Server("bench", store=store)

    @server.tool()
    def echo(text: str) -> str:
        return text

    server.run("streamable-http", host="127.0.0.1", port=port, json_response=json_response)


class Conn:
    """One keep-alive HTTP/1.1 connection, by hand (the client must cost little)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, body: bytes, sid: str | None) -> tuple[dict[str, str], bytes]:
        head = (
            f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\nContent-Length: {len(body)}\r\n"
        )
        if sid:
            head += f"Mcp-Session-Id: {sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        headers = {}
        for line in raw.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            return headers, await self.reader.readexactly(int(headers["content-length"]))
        chunks = []
        while True:  # chunked (SSE): to the terminal chunk
            size = int((await self.reader.readuntil(b"\r\n"))[:-2], 16)
            data = await self.reader.readexactly(size + 2)
            if size == 0:
                return headers, b"".join(chunks)
            chunks.append(data[:-2])

    def close(self) -> None:
        self.writer.close()


INIT = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    }
).encode()
INITIALIZED = b'{"jsonrpc":"2.0","method":"notifications/initialized"}'


async def session(conn: Conn) -> str:
    headers, _ = await conn.post(INIT, None)
    sid = headers["mcp-session-id"]
    await conn.post(INITIALIZED, sid)
    return sid


async def sequential(ports: list[int], seconds: float) -> tuple[float, float]:
    """(calls/s, p50 ms) of sequential tools/call, alternating over ``ports``."""
    conns = [Conn(p) for p in ports]
    for c in conns:
        await c.open()
    sid = await session(conns[0])
    times = []
    n = 0
    end = time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        n += 1
        body = (
            b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo",'
            b'"arguments":{"text":"hello"}}}' % n
        )
        _, data = await conns[n % len(conns)].post(body, sid)
        assert b'"hello"' in data, data[:200]
        times.append(time.perf_counter() - now)
    for c in conns:
        c.close()
    return n / seconds, statistics.median(times) * 1000


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def idle_sessions(port: int, n: int) -> None:
    conn = Conn(port)
    await conn.open()
    for _ in range(n):
        await session(conn)
    conn.close()


class Fleet:
    """The processes of one configuration."""

    def __init__(self, n: int, url: str | None, json_response: bool) -> None:
        self.ports = [free_port() for _ in range(n)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-m", "benchmarks.redis", "serve"]
        self.procs = [
            subprocess.Popen(
                [*argv, str(p), url or "", "json" if json_response else "sse"], env=env, cwd=ROOT
            )
            for p in self.ports
        ]
        for p, proc in zip(self.ports, self.procs, strict=True):
            wait_port(p, proc)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["serve"]:
        serve(int(args_in[1]), args_in[2] or None, args_in[3] == "json")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=500)
    args = parser.parse_args(args_in)
    exe = shutil.which("redis-server")
    if exe is None:
        print("redis-server is not installed: nothing to measure", file=sys.stderr)
        return 1
    rport = free_port()
    redis = subprocess.Popen(
        [exe, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{rport}/0"
    try:
        wait_port(rport, redis)
        return asyncio.run(measure(args, url, rport))
    finally:
        redis.terminate()
        redis.wait(10)


async def measure(args: argparse.Namespace, url: str, rport: int) -> int:
    import redis as redis_py

    cells = [("HTTP JSON sequential, stateful", True), ("SSE with replay", False)]
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for _ in range(args.repetitions):
        for name, json_response in cells:
            for label, n, store in (("in-memory, 1 worker", 1, None), ("Redis, 2 workers", 2, url)):
                fleet = Fleet(n, store, json_response)
                try:
                    await sequential(fleet.ports, 0.5)  # warm-up
                    got = await sequential(fleet.ports, args.duration)
                finally:
                    fleet.stop()
                results.setdefault(name, {}).setdefault(label, []).append(got)
    report: dict[str, Any] = {}
    for name, rows in results.items():
        mem, red = rows["in-memory, 1 worker"], rows["Redis, 2 workers"]
        ratios = [m[0] / r[0] for m, r in zip(mem, red, strict=True)]  # time per call, x
        print(f"\n{name} (median of {args.repetitions}, {args.duration:g} s windows)")
        for label, runs in rows.items():
            rate = statistics.median(r[0] for r in runs)
            p50 = statistics.median(r[1] for r in runs)
            print(f"  {label:22} {rate:8.0f} calls/s  p50 {p50:.3f} ms")
        med = statistics.median(ratios)
        print(
            f"  Redis / in-memory: {med:.2f}x time per call "
            f"(spread {min(ratios):.2f}..{max(ratios):.2f})"
        )
        report[name] = {"ratio": med, "spread": [min(ratios), max(ratios)]}
    # Memory per idle session.
    r = redis_py.Redis(port=rport)
    r.flushall()
    for label, store in (("in-memory", None), ("Redis", url)):
        fleet = Fleet(1, store, True)
        try:
            await idle_sessions(fleet.ports[0], 20)  # warm-up: first-use allocations
            before_rss = rss_kib(fleet.procs[0].pid)
            before = int(r.info("memory")["used_memory"])
            await idle_sessions(fleet.ports[0], args.sessions)
            rss = (rss_kib(fleet.procs[0].pid) - before_rss) * 1024 / args.sessions
            used = (int(r.info("memory")["used_memory"]) - before) / args.sessions
        finally:
            fleet.stop()
        print(f"\nidle session, {label}: worker RSS {rss:.0f} B/session", end="")
        print(f", Redis {used:.0f} B/session" if store else "")
        report[f"idle session {label}"] = {"worker_rss_bytes": rss, "redis_bytes": used}
    r.close()
    print("\n" + json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
