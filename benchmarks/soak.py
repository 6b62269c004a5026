"""``python -m benchmarks soak --seconds N``: mixed hostile and ordinary load, then a leak check.

An HTTP server and a stdio server (``benchmarks._soak_server``) run under load for N seconds:
full sessions (2025-11-25, closed with DELETE), 2026-07-28 stateless calls, abandoned
sessions (never deleted), GET streams dropped with FIN or a reset, clients reset or
SIGKILLed mid-call, progress and logging tools, and hanging calls cancelled by a timeout.
Each server reports RSS, fds, threads, asyncio tasks, sessions and connections every second.
After the load stops the check waits the session idle timeout (plus the sweep) and fails
when anything has not come back to its baseline, or grew after the load stopped, or RSS
kept growing through the second half of the load.  Linux only (/proc); loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "soak", "version": "1"},
    },
}
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
HANG_2026 = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "tools/call",
    "params": {"name": "hang", "arguments": {}, "_meta": META},
}
KILLED_CLIENT = """
import socket, sys, json, time
body = json.dumps(json.loads(sys.argv[2])).encode()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
head = ("POST /mcp HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\n"
        "Accept: application/json, text/event-stream\\r\\n"
        "MCP-Protocol-Version: 2026-07-28\\r\\nMcp-Method: tools/call\\r\\nMcp-Name: hang\\r\\n"
        "Content-Length: %d\\r\\n\\r\\n" % len(body))
s.sendall(head.encode() + body)
print("sent", flush=True)
time.sleep(60)
"""


def head(method: str, body: bytes, headers: dict[str, str]) -> bytes:
    h = {
        "Host": "127.0.0.1",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **headers,
    }
    lines = "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return f"{method} /mcp HTTP/1.1\r\n{lines}\r\n".encode() + body


async def read_head(reader: asyncio.StreamReader) -> dict[str, str]:
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    out = {}
    for line in raw.decode("latin-1").split("\r\n")[1:]:
        k, _, v = line.partition(":")
        out[k.strip().lower()] = v.strip()
    return out


class Load:
    def __init__(self, port: int, stdio_cmd: list[str]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.stdio_cmd = stdio_cmd
        self.done = Counter[str]()
        self.errors = Counter[str]()
        self.stop = asyncio.Event()

    async def _raw(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def full_session(self) -> None:
        import mcplite

        async with mcplite.connect(self.url, protocol_version="2025-11-25") as c:
            for i in range(3):
                await c.call_tool("echo", {"text": f"hi {i}"})
            await c.call_tool("progress", {"steps": 3}, on_progress=lambda *a: None)
            with contextlib.suppress(TimeoutError):
                await c.call_tool("hang", timeout=0.05)  # cancelled: notifications/cancelled

    async def stateless(self) -> None:
        import mcplite

        async with mcplite.connect(self.url) as c:
            await c.call_tool("echo", {"text": "2026"})
            await c.call_tool("progress", {"steps": 2})
            with contextlib.suppress(TimeoutError):
                await c.call_tool("hang", timeout=0.05)  # the stream is closed: cancelled

    async def abandoned(self) -> None:
        reader, writer = await self._raw()
        writer.write(head("POST", json.dumps(INIT).encode(), {}))
        await read_head(reader)
        writer.close()  # never DELETEd: the idle timeout must collect it

    async def dropped_get(self) -> None:
        reader, writer = await self._raw()
        writer.write(head("POST", json.dumps(INIT).encode(), {}))
        sid = (await read_head(reader))["mcp-session-id"]
        writer.close()
        reader, writer = await self._raw()
        writer.write(
            head("GET", b"", {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
        )
        await read_head(reader)
        if random.random() < 0.5:
            writer.write_eof()  # FIN: the client is gone
            await asyncio.wait_for(reader.read(), 10)
            writer.close()
        else:
            writer.transport.abort()  # a reset

    async def reset_mid_call(self) -> None:
        _, writer = await self._raw()
        body = json.dumps(HANG_2026).encode()
        writer.write(
            head(
                "POST",
                body,
                {
                    "MCP-Protocol-Version": "2026-07-28",
                    "Mcp-Method": "tools/call",
                    "Mcp-Name": "hang",
                },
            )
        )
        await writer.drain()
        await asyncio.sleep(0.02)
        writer.transport.abort()

    async def killed_mid_call(self) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            KILLED_CLIENT,
            str(self.port),
            json.dumps(HANG_2026),
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        await asyncio.wait_for(proc.stdout.readline(), 10)
        await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()

    async def http_worker(self, kinds: list[str], weights: list[int]) -> None:
        while not self.stop.is_set():
            kind = random.choices(kinds, weights)[0]
            try:
                await getattr(self, kind)()
                self.done[kind] += 1
            except Exception as exc:  # counted and reported: the check fails on any
                self.errors[f"{kind}: {type(exc).__name__}: {exc}"[:160]] += 1
            await asyncio.sleep(0.005)

    async def killer(self) -> None:
        while not self.stop.is_set():
            try:
                await self.killed_mid_call()
                self.done["killed_mid_call"] += 1
            except Exception as exc:
                self.errors[f"killed_mid_call: {type(exc).__name__}: {exc}"[:160]] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 2.0)

    async def stdio_worker(self, client: Any) -> None:
        while not self.stop.is_set():
            try:
                await client.call_tool("echo", {"text": "stdio"})
                await client.call_tool("progress", {"steps": 2}, on_progress=lambda *a: None)
                with contextlib.suppress(TimeoutError):
                    await client.call_tool("hang", timeout=0.05)
                self.done["stdio"] += 1
            except Exception as exc:
                self.errors[f"stdio: {type(exc).__name__}: {exc}"[:160]] += 1
            await asyncio.sleep(0.005)


def samples(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            item = json.loads(line)
            if "t" in item:
                out.append(item)
    return out


def at(series: list[dict[str, Any]], t: float) -> dict[str, Any]:
    before = [s for s in series if s["t"] <= t]
    return before[-1] if before else series[0]


def judge(
    name: str, series: list[dict[str, Any]], t0: float, t_mid: float, t_stop: float, seconds: float
) -> list[str]:
    """The failures of one server's samples (empty: it passed)."""
    base, mid, stop, final = at(series, t0), at(series, t_mid), at(series, t_stop), series[-1]
    after = [s for s in series if s["t"] > t_stop]
    keys = [
        k
        for k in (
            "rss_kib",
            "fds",
            "threads",
            "tasks",
            "sessions",
            "server_sessions",
            "connections",
        )
        if k in base
    ]
    print(f"\n{name}: {len(series)} samples")
    print(f"  {'':16}" + "".join(f"{k:>16}" for k in keys))
    for label, s in (
        ("baseline", base),
        ("mid-load", mid),
        ("load stops", stop),
        ("settled", final),
    ):
        print(f"  {label:16}" + "".join(f"{s[k]:>16}" for k in keys))
    fails = []
    for k in ("sessions", "server_sessions", "connections"):
        if k in base and final[k] != base[k]:
            fails.append(f"{name}: {k} {final[k]} after the idle timeout, baseline {base[k]}")
    for k, slack in (("tasks", 2), ("fds", 2)):
        if final[k] > base[k] + slack:
            fails.append(f"{name}: {k} {final[k]} after the idle timeout, baseline {base[k]}")
    if after and max(s["threads"] for s in after) > max(stop["threads"], base["threads"]):
        fails.append(f"{name}: threads grew after the load stopped")
    if after:
        peak = max(s["rss_kib"] for s in after)
        if peak > stop["rss_kib"] * 1.05 + 2048:
            fails.append(
                f"{name}: RSS grew after the load stopped ({stop['rss_kib']} -> {peak} KiB)"
            )
    if seconds >= 60 and stop["rss_kib"] > mid["rss_kib"] * 1.10 + 4096:
        fails.append(
            f"{name}: RSS kept growing under load ({mid['rss_kib']} KiB at mid-load, "
            f"{stop['rss_kib']} KiB at the end)"
        )
    return fails


async def soak(seconds: float, idle: float, interval: float, workers: int) -> int:
    import mcplite

    tmp = Path(tempfile.mkdtemp(prefix="mcplite-soak-"))
    http_stats, stdio_stats = tmp / "http.jsonl", tmp / "stdio.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = [sys.executable, "-m", "benchmarks._soak_server"]
    http = await asyncio.create_subprocess_exec(
        *server,
        "http",
        str(http_stats),
        "--interval",
        str(interval),
        "--idle",
        str(idle),
        cwd=ROOT,
        env=env,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not http_stats.exists() or not http_stats.read_text().strip():
            assert loop.time() < deadline, "the soak HTTP server did not start"
            await asyncio.sleep(0.05)
        port = json.loads(http_stats.read_text().splitlines()[0])["port"]
        stdio_cmd = [*server, "stdio", str(stdio_stats), "--interval", str(interval)]
        async with mcplite.connect(stdio_cmd, cwd=str(ROOT), env=env) as stdio:
            load = Load(port, stdio_cmd)
            await asyncio.sleep(interval * 2.5)  # a baseline sample of both, idle
            t0 = time.time()
            kinds = ["full_session", "stateless", "abandoned", "dropped_get", "reset_mid_call"]
            weights = [3, 3, 2, 2, 2]
            print(f"soak: {seconds:.0f} s of load, {workers} HTTP workers + stdio + a killer")
            tasks = [
                asyncio.ensure_future(load.http_worker(kinds, weights)) for _ in range(workers)
            ]
            tasks.append(asyncio.ensure_future(load.stdio_worker(stdio)))
            tasks.append(asyncio.ensure_future(load.killer()))
            await asyncio.sleep(seconds)
            load.stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
            t_stop = time.time()
            print("load:", ", ".join(f"{k} {v}" for k, v in sorted(load.done.items())))
            settle = idle + max(idle / 4, 0.01) + 3 * interval + 2
            print(f"settling for {settle:.1f} s (the session idle timeout is {idle} s)")
            await asyncio.sleep(settle)
        t_mid = t0 + seconds / 2
        fails = [f"load error x{n}: {what}" for what, n in load.errors.items()]
        fails += judge("HTTP server", samples(http_stats), t0, t_mid, t_stop, seconds)
        fails += judge("stdio server", samples(stdio_stats), t0, t_mid, t_stop - 0.0, seconds)
    finally:
        if http.returncode is None:
            http.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(http.wait(), 10)
            except TimeoutError:
                http.kill()
                await http.wait()
    print()
    if fails:
        for f in fails:
            print("FAIL", f)
        return 1
    print("PASS: flat after the load; everything back to baseline within the idle timeout")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks soak", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--seconds", type=float, default=60.0, help="how long the load runs")
    p.add_argument("--idle", type=float, default=5.0, help="the HTTP session idle timeout")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    p.add_argument("--workers", type=int, default=4, help="concurrent HTTP load workers")
    args = p.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("soak: needs Linux (/proc)")
        return 2
    return asyncio.run(soak(args.seconds, args.idle, args.interval, args.workers))
