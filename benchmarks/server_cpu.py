"""Server CPU per call: each HTTP server driven by the floor's client, CPU read from /proc.

    python -m benchmarks server-cpu [--calls N] [--inflight K] [--rounds R] [--only REGEX]

On a shared machine calls/s moves with everyone else's load, but the CPU a server process
spends per request moves much less: this measures that (utime + stime of the server process,
Linux /proc/PID/stat, over N ``tools/call echo`` calls after an untimed warm-up), for the
floor's and mcplite's streamable-HTTP servers in JSON- and SSE-response mode. Rounds are
interleaved (every server once, then again) and each row prints the median and the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
from typing import Any

import msgspec

from . import _execute, floor

SERVERS = {
    "floor/json": ("floor", False),
    "floor/sse": ("floor", True),
    "mcplite/json": ("mcplite", False),
    "mcplite/sse": ("mcplite", True),
}


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15 (proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(url: str, pid: int, calls: int, inflight: int) -> float:
    async with floor.connect_http(url) as client:

        async def worker(n: int) -> None:
            for _ in range(n):
                await client.call_echo("0123456789abcdef")

        async def batch(total: int) -> None:
            share, extra = divmod(total, inflight)
            await asyncio.gather(*(worker(share + (i < extra)) for i in range(inflight)))

        await batch(max(inflight * 20, calls // 5))  # warm-up: connections open, caches hot
        before = _cpu_seconds(pid)
        await batch(calls)
        return (_cpu_seconds(pid) - before) / calls * 1e6


def measure(name: str, calls: int, inflight: int) -> float:
    kind, sse = SERVERS[name]
    env = _execute.Env()
    port = _execute._free_port()
    cmd = _execute.server_cmd(kind, env, "asyncio", port, sse=sse)
    proc = subprocess.Popen(
        cmd, env=_execute._child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _execute._wait_listening(proc, port)
        url = f"http://{_execute.HOST}:{port}/mcp"
        return asyncio.run(_drive(url, proc.pid, calls, inflight))
    finally:
        _execute._stop(proc)


# ---------------------------------------------------------------- in process

_HEAD = (
    b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
    b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
)


class _FakeTransport(asyncio.Transport):
    """Just enough of an ``asyncio.Transport`` for ``_io.httpconn._Connection``."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None  # set once a whole response is out

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name in ("peername", "sockname") else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.out.append(bytes(data))
        waiter = self.waiter
        if waiter is not None and not waiter.done() and _complete(b"".join(self.out)):
            waiter.set_result(None)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        raise RuntimeError("the server closed the connection: " + repr(b"".join(self.out)[:300]))

    abort = close

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    if b"transfer-encoding: chunked" in head.lower():
        return body.endswith(b"0\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    return len(body) >= length


async def _in_process(sse: bool, calls: int, profile: bool) -> float:
    """mcplite's whole server request path, bytes in to bytes out, on a fake transport:
    the HTTP parser, the app, the session, the handler and the response encoding, with no
    socket and no client in the process's CPU."""
    import time

    from mcplite._io.httpconn import _Connection
    from mcplite._server.streamable_run import StreamableHTTPServer

    from .servers.mcplite_echo import build_server

    srv = StreamableHTTPServer(build_server(), stateless=False, json_response=not sse)
    conn = _Connection(srv.http)
    transport = _FakeTransport()
    conn.connection_made(transport)
    encode = msgspec.json.encode

    async def exchange(head: bytes, body: bytes) -> bytes:
        conn.data_received(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        if not _complete(b"".join(transport.out)):
            transport.waiter = asyncio.get_running_loop().create_future()
            await transport.waiter
            transport.waiter = None
        data = b"".join(transport.out)
        transport.out.clear()
        return data

    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    }
    answer = await exchange(_HEAD, encode(init))
    at = answer.lower().index(b"mcp-session-id: ") + len(b"mcp-session-id: ")
    sid = answer[at : answer.index(b"\r\n", at)]
    head = _HEAD + b"Mcp-Session-Id: " + sid + b"\r\n"
    await exchange(head, encode({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    bodies = [
        encode(
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "tools/call",
                "params": {"name": "echo", "arguments": {"text": "0123456789abcdef"}},
            }
        )
        for i in range(1, 1001)
    ]
    for body in bodies[:200]:  # warm-up
        answer = await exchange(head, body)
    if b"0123456789abcdef" not in answer:
        raise RuntimeError(f"unexpected answer: {answer[:300]!r}")
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)
        prof.enable()
    t0 = time.process_time()
    for i in range(calls):
        await exchange(head, bodies[i % 1000])
    elapsed = time.process_time() - t0
    if prof is not None:
        import pstats

        prof.disable()
        stats = pstats.Stats(prof)
        stats.dump_stats(f"server-cpu-{'sse' if sse else 'json'}.prof")
        stats.sort_stats("tottime").print_stats(40)
    conn.connection_lost(None)
    return elapsed / calls * 1e6


def in_process(calls: int, rounds: int, profile: bool) -> None:
    print(f"mcplite server path in process (fake transport), {calls} calls, best of {rounds}:")
    for sse in (False, True):
        best = min(asyncio.run(_in_process(sse, calls, profile)) for _ in range(rounds))
        print(f"  mcplite/{'sse' if sse else 'json':<8} {best:7.1f} us/call", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks server-cpu", description=__doc__)
    p.add_argument("--calls", type=int, default=20_000, help="timed calls per run")
    p.add_argument("--inflight", type=int, default=16, help="calls in flight")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    p.add_argument("--only", metavar="REGEX", help="servers whose name matches (floor/json, ...)")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="mcplite's server path on a fake transport, no sockets (the steadiest measure)",
    )
    p.add_argument("--profile", action="store_true", help="with --in-process: cProfile (CPU)")
    args = p.parse_args(argv)
    if args.in_process:
        in_process(args.calls, args.rounds, args.profile)
        return 0
    if not sys.platform.startswith("linux"):
        print("server-cpu reads /proc: Linux only")
        return 2
    names = [n for n in SERVERS if args.only is None or re.search(args.only, n)]
    runs: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names:
            us = measure(name, args.calls, args.inflight)
            runs[name].append(us)
            print(f"  [{r + 1}/{args.rounds}] {name:<13} {us:7.1f} us/call", flush=True)
    print(f"\nserver CPU per call, {args.calls} calls, {args.inflight} in flight (median, range):")
    medians: dict[str, Any] = {}
    for name in names:
        med = statistics.median(runs[name])
        medians[name] = med
        base = medians.get("floor/" + name.split("/")[1])
        ratio = f"  {med / base:4.2f}x floor" if base and not name.startswith("floor") else ""
        lo, hi = min(runs[name]), max(runs[name])
        print(f"  {name:<13} {med:7.1f} us  ({lo:.1f}-{hi:.1f}){ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
