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


async def _timed(
    call: Callable[[], Awaitable[Any]], calls: int, inflight: int, profile: str = ""
) -> float:
    """CPU microseconds per call of ``calls`` calls, ``inflight`` at a time, after an
    untimed warm-up; ``profile``: where to write a cProfile of the timed calls alone."""

    async def worker(n: int) -> None:
        for _ in range(n):
            await call()

    async def batch(total: int) -> None:
        share, extra = divmod(total, inflight)
        await asyncio.gather(*(worker(share + (i < extra)) for i in range(inflight)))

    await batch(max(inflight * 20, calls // 5))  # warm-up
    prof = None
    if profile:
        import cProfile  # lazy: only with --profile
        import time  # lazy: only with --profile

        prof = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        prof.enable()
    before = _cpu_seconds()
    await batch(calls)
    elapsed = _cpu_seconds() - before
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    return elapsed / calls * 1e6


async def _child(kind: str, url: str, calls: int, inflights: list[int], profile: str) -> None:
    prof = None
    if profile:
        import cProfile  # lazy: only with --profile
        import time  # lazy: only with --profile

        prof = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
    out: dict[str, float] = {}
    if kind == "floor":
        from . import floor  # lazy: the mcplite child does not import the floor

        async with floor.connect_http(url) as fc:

            async def call() -> Any:
                return await fc.call_echo(TEXT)

            for k in inflights:
                if prof is not None and k == inflights[0]:
                    prof.enable()
                out[str(k)] = await _timed(call, calls, k)
                if prof is not None and k == inflights[0]:
                    prof.disable()
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


# ---------------------------------------------------------------- in process


class _FakeServer(asyncio.Transport):
    """An ``asyncio.Transport`` that answers each request written to it, one loop iteration
    later (``call_soon``, as a reply from a socket would arrive): a streamable-HTTP server
    reduced to canned bytes, so the process's CPU is the client's alone."""

    def __init__(self, conn: Any, sse: bool) -> None:
        super().__init__()
        self._conn = conn
        self._sse = sse
        self._closing = False
        self._loop = asyncio.get_running_loop()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name in ("peername", "sockname") else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        head, _, body = bytes(data).partition(b"\r\n\r\n")
        self._loop.call_soon(self._conn.data_received, self._answer(head, body))

    def _answer(self, head: bytes, body: bytes) -> bytes:
        if not head.startswith(b"POST "):  # the standalone GET, the DELETE on close
            return b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
        msg = _decode(body)
        if "id" not in msg:
            return b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        if msg["method"] == "initialize":
            result: Any = {
                "protocolVersion": msg["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake", "version": "1"},
            }
        else:
            text = msg["params"]["arguments"]["text"]
            result = {"content": [{"type": "text", "text": text}], "isError": False}
        out = _encode({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        extra = b"Mcp-Session-Id: fake-session\r\n"
        if self._sse:
            event = b"id: 1\ndata: " + out + b"\n\n"
            chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(event), event)
            return (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n" + chunk
            )
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n%s\r\n%s" % (len(out), extra, out)
        )

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._conn.connection_lost, None)

    abort = close

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _decode(body: bytes) -> Any:
    import msgspec  # lazy: a runtime dependency of mcplite, not of the floor's client

    return msgspec.json.decode(body)


def _encode(obj: Any) -> bytes:
    import msgspec  # lazy: as above

    return msgspec.json.encode(obj)


async def _in_process_child(sse: bool, calls: int, inflight: int, profile: str) -> float:
    """mcplite's whole client call path, call_tool to bytes out and bytes in to the result,
    on fake connections: the session, the transport, the HTTP client, the parser."""
    import mcplite  # lazy: as in _child
    from mcplite._client.streamable_http import StreamableHTTPTransport
    from mcplite._io.httpclient import HTTPClient, _Connection

    http = HTTPClient()

    async def connect(origin: Any) -> Any:
        conn = _Connection(origin, http._discard)
        conn.connection_made(_FakeServer(conn, sse))
        http._open.add(conn)
        return conn

    http._connect = connect  # type: ignore[method-assign]
    transport = StreamableHTTPTransport("http://127.0.0.1:8000/mcp", http=http)
    async with mcplite.connect(transport, protocol_version="2025-11-25") as mc:

        async def call() -> Any:
            result = await mc.call_tool("echo", {"text": TEXT})
            if result.content[0].text != TEXT:  # type: ignore[union-attr]
                raise RuntimeError(f"unexpected echo: {result!r}")
            return result

        per_call = await _timed(call, calls, inflight, profile)
    await http.aclose()
    return per_call


def in_process(calls: int, inflight: int, rounds: int, profile: str | None) -> None:
    """Each mode in its own process per round (interleaved); the best round is the figure."""
    inflights = [inflight] if inflight == 1 else [inflight, 1]
    runs: dict[tuple[str, int], list[float]] = {}
    for r in range(rounds):
        for mode in MODES:
            for k in inflights:
                child = [sys.executable, "-m", "benchmarks.client_cpu", "--in-process-child"]
                child += [mode, "--calls", str(calls), "--inflights", str(k)]
                if profile and r == 0:
                    child += ["--profile-out", f"{profile}-in-process-{mode}-{k}.prof"]
                done = subprocess.run(
                    child,
                    env=_execute._child_env(),
                    capture_output=True,
                    timeout=CHILD_TIMEOUT_SECONDS,
                    check=False,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"in-process client failed: {done.stderr.decode()[-600:]}")
                us = float(done.stdout.decode().strip().splitlines()[-1])
                runs.setdefault((mode, k), []).append(us)
    print(f"mcplite client path in process (fake connections), {calls} calls, best of {rounds}:")
    for (mode, k), values in runs.items():
        print(f"  mcplite/{mode:<5} {k:>2} in flight {min(values):7.1f} us/call", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks client-cpu", description=__doc__)
    p.add_argument("--calls", type=int, default=10_000, help="timed calls per run")
    p.add_argument("--inflight", type=int, default=16, help="calls in flight (then 1)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    p.add_argument("--only", metavar="REGEX", help="rows whose name matches (mcplite/sse, ...)")
    p.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile each client at --inflight (first round) into PREFIX-CLIENT-MODE.prof",
    )
    p.add_argument(
        "--in-process",
        action="store_true",
        help="mcplite's client path on fake connections, no sockets, no server process "
        "(the steadiest measure; with --profile, one cProfile per mode and concurrency)",
    )
    p.add_argument("--in-process-child", choices=MODES, help=argparse.SUPPRESS)
    p.add_argument("--child", nargs=2, metavar=("CLIENT", "URL"), help=argparse.SUPPRESS)
    p.add_argument("--inflights", default="", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.in_process_child:
        sse = args.in_process_child == "sse"
        k = int(args.inflights)
        print(asyncio.run(_in_process_child(sse, args.calls, k, args.profile_out)), flush=True)
        return 0
    if args.in_process:
        in_process(args.calls, args.inflight, args.rounds, args.profile)
        return 0
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
            if args.profile and r == 0:
                profile = f"{args.profile}-{kind}-{mode}.prof"
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
