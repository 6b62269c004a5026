"""Gateway overhead: ``mcplite proxy`` against a direct connection, in the same run.

    python -m benchmarks proxy [--repetitions 3] [--duration 3] [--protocol-version V]

Cells (sequential ``tools/call`` of the echo tool, per-call time):

- ``direct stdio``           client -> mcplite echo server (stdio)
- ``proxy stdio->stdio``     client -> ``mcplite proxy -- <echo server>`` (stdio both sides)
- ``direct HTTP``            client -> mcplite echo server (streamable HTTP, JSON responses)
- ``proxy HTTP->stdio``      client -> ``mcplite proxy --http`` in front of the stdio server
- ``splice stdio->stdio``    client -> a byte-splicing stdio relay that parses nothing (the
                             lower bound of any proxy process: what the extra hop costs)

Repetitions are interleaved (every cell once per round), each cell is the median of its
rounds, and the ratios compare cells of the same run. Exit status 1 when proxy
stdio->stdio costs more than ``--target`` (default 1.3) times direct stdio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
ECHO = [sys.executable, "-m", "benchmarks.servers.mcplite_echo"]
PROXY = [sys.executable, "-m", "mcplite", "proxy"]
SPLICE = [sys.executable, "-m", "benchmarks.proxy", "splice", "--"]
CELLS = (
    "direct stdio",
    "proxy stdio->stdio",
    "splice stdio->stdio",
    "direct HTTP",
    "proxy HTTP->stdio",
)


async def splice(command: list[str]) -> None:
    """Relay lines between stdin/stdout and ``command`` without looking at them."""
    proc = await asyncio.create_subprocess_exec(
        *command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out, _ = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
    child_in, child_out = proc.stdin, proc.stdout

    async def up() -> None:
        while line := await reader.readline():
            child_in.write(line)
        child_in.close()

    async def down() -> None:
        while line := await child_out.readline():
            out.write(line)

    await asyncio.gather(up(), down())
    await proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@contextlib.contextmanager
def _listening(command: list[str], port: int) -> Any:
    proc = subprocess.Popen(
        command, cwd=ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(command)} exited with {proc.returncode}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listens on {port}")
            time.sleep(0.02)
        yield f"http://{HOST}:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.asynccontextmanager
async def _target(cell: str) -> AsyncIterator[Any]:
    stdio_echo = [*ECHO, "stdio"]
    if cell == "direct stdio":
        yield stdio_echo
    elif cell == "proxy stdio->stdio":
        yield [*PROXY, "--", *stdio_echo]
    elif cell == "splice stdio->stdio":
        yield [*SPLICE, *stdio_echo]
    else:
        port = _free_port()
        if cell == "direct HTTP":
            command = [*ECHO, "http", "--port", str(port)]
        else:
            command = [*PROXY, "--http", f"{HOST}:{port}", "--", *stdio_echo]
        with _listening(command, port) as url:
            yield url


async def _measure(cell: str, version: str, warmup: float, duration: float) -> float:
    """Seconds per sequential call."""
    import mcplite

    async with _target(cell) as target:
        options: dict[str, Any] = {"env": _env()} if isinstance(target, list) else {}
        async with mcplite.connect(target, protocol_version=version, **options) as client:
            loop = asyncio.get_running_loop()
            text = "x" * 16
            end = loop.time() + warmup
            while loop.time() < end:
                await client.call_tool("echo", {"text": text})
            calls = 0
            start = loop.time()
            end = start + duration
            while loop.time() < end:
                await client.call_tool("echo", {"text": text})
                calls += 1
            return (loop.time() - start) / calls


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["splice", "--"]:
        asyncio.run(splice(argv[2:]))
        return 0
    p = argparse.ArgumentParser(prog="python -m benchmarks proxy", description=__doc__)
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--duration", type=float, default=3.0, help="seconds measured per cell")
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--protocol-version", default="2025-11-25")
    p.add_argument("--target", type=float, default=1.3, help="max proxy/direct on stdio")
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args(argv)
    samples: dict[str, list[float]] = {cell: [] for cell in CELLS}
    for rep in range(args.repetitions):
        order = CELLS if rep % 2 == 0 else tuple(reversed(CELLS))
        for cell in order:
            seconds = asyncio.run(_measure(cell, args.protocol_version, args.warmup, args.duration))
            samples[cell].append(seconds)
    median = {cell: statistics.median(values) for cell, values in samples.items()}
    print(f"protocol {args.protocol_version}, {args.repetitions} interleaved repetitions")
    print(f"{'cell':<22} {'us/call':>9} {'calls/s':>9}")
    for cell in CELLS:
        print(f"{cell:<22} {median[cell] * 1e6:>9.1f} {1 / median[cell]:>9.0f}")
    stdio = median["proxy stdio->stdio"] / median["direct stdio"]
    http = median["proxy HTTP->stdio"] / median["direct HTTP"]
    hop = median["splice stdio->stdio"] / median["direct stdio"]
    verdict = "PASS" if stdio <= args.target else "FAIL"
    print(f"proxy stdio->stdio / direct stdio: {stdio:.2f}x (target <= {args.target}x) {verdict}")
    print(f"splice stdio->stdio / direct stdio: {hop:.2f}x (an extra process, no parsing)")
    over_splice = median["proxy stdio->stdio"] / median["splice stdio->stdio"]
    print(f"proxy stdio->stdio / splice:        {over_splice:.2f}x")
    print(f"proxy HTTP->stdio / direct HTTP:   {http:.2f}x")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"samples": samples, "median": median, "stdio": stdio, "http": http, "hop": hop}
            )
        )
    return 0 if stdio <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
