"""The stdio client against a server that floods it with requests and then hangs."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import mcplite
from mcplite import types as t

FLOOD = r"""
import json, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL ends it
out = sys.stdout.buffer
req = json.loads(sys.stdin.buffer.readline())
result = {"protocolVersion": req["params"]["protocolVersion"], "capabilities": {},
          "serverInfo": {"name": "flood", "version": "0"}}
out.write(json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": result}).encode() + b"\n")
out.flush()
sys.stdin.buffer.readline()  # notifications/initialized; nothing is read after this
for i in range(100_000):
    out.write(b'{"jsonrpc":"2.0","id":%d,"method":"roots/list"}\n' % i)
out.flush()
time.sleep(60)
"""


async def test_a_flooding_server_is_bounded_and_its_process_reaped(tmp_path: Path) -> None:
    # 100 k server->client requests used to take the client to 287 MB, leaving connect()
    # took 28 s, and the child was still alive afterwards.
    script = tmp_path / "flood.py"
    script.write_text(FLOOD)
    hang = asyncio.Event()
    running = 0

    async def roots() -> list[t.Root]:
        nonlocal running
        running += 1
        await hang.wait()
        return []

    client = mcplite.connect(
        [sys.executable, str(script)],
        protocol_version="2025-11-25",
        roots=roots,
        max_server_requests=4,
    )
    async with client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while running < 4:
            assert loop.time() < deadline
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # the flood goes on: refusals, then back-pressure
        assert running == 4  # never more than max_server_requests at once
        assert len(asyncio.all_tasks()) < 30
        transport = client.transport
        pid = transport.process.pid  # type: ignore[union-attr]
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert transport.process.returncode is not None  # type: ignore[union-attr]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError("the server process is still alive")
