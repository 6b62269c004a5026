"""Graceful shutdown of ``Server.run`` on SIGTERM/SIGINT: real subprocesses, real sockets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

import mcplite
from mcplite import RPCError

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

SERVER = """
import asyncio, sys
from mcplite import Server
server = Server("shutdown", "1.0")

@server.tool()
async def slow(seconds: float) -> str:
    print("started", file=sys.stderr, flush=True)
    await asyncio.sleep(seconds)
    return "finished"

transport, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if transport == "http":
    server.run("streamable-http", port=port, shutdown_timeout=timeout)
else:
    server.run("stdio", shutdown_timeout=timeout)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start(
    tmp_path: Path, transport: str, timeout: float
) -> tuple[asyncio.subprocess.Process, int]:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        transport,
        str(port),
        str(timeout),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=ENV,
    )
    if transport == "http":
        await until_connect(port, refused=False)
    return proc, port


async def until_connect(port: int, *, refused: bool) -> None:
    """Poll (with a deadline) until the port accepts connections, or refuses them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if refused:
                return
        else:
            writer.close()
            await writer.wait_closed()
            if not refused:
                return
        assert loop.time() < deadline, "the server did not change state in time"
        await asyncio.sleep(0.02)


async def started(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while b"started" not in await asyncio.wait_for(proc.stderr.readline(), 10):
        pass


async def finish(proc: asyncio.subprocess.Process) -> int:
    code = await asyncio.wait_for(proc.wait(), 10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            await stream.read()
    return code


@pytest.mark.parametrize("version", ["2026-07-28", "2025-11-25"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_http_signal_lets_running_calls_finish(
    tmp_path: Path, version: str, sig: signal.Signals
) -> None:
    # server.run("streamable-http") had no SIGTERM handler (everything in flight lost), and on
    # SIGINT sessions were closed before connections drained (a 200 with no result).
    proc, port = await start(tmp_path, "http", 5.0)
    url = f"http://127.0.0.1:{port}/mcp"
    async with mcplite.connect(url, protocol_version=version) as client:
        call = asyncio.ensure_future(client.call_tool("slow", {"seconds": 0.3}))
        await started(proc)
        proc.send_signal(sig)
        result = await asyncio.wait_for(call, 10)
        assert result.content[0].text == "finished"  # type: ignore[union-attr]
    assert await finish(proc) == 0


async def test_http_calls_past_the_shutdown_timeout_get_an_error_answer(tmp_path: Path) -> None:
    proc, port = await start(tmp_path, "http", 0.3)
    async with mcplite.connect(f"http://127.0.0.1:{port}/mcp") as client:
        call = asyncio.ensure_future(client.call_tool("slow", {"seconds": 60}))
        await started(proc)
        proc.send_signal(signal.SIGTERM)
        with pytest.raises(RPCError, match="shutting down") as info:
            await asyncio.wait_for(call, 10)
        assert info.value.code == -32000
    assert await finish(proc) == 0


async def test_a_second_signal_exits_at_once(tmp_path: Path) -> None:
    proc, port = await start(tmp_path, "http", 60.0)
    async with mcplite.connect(f"http://127.0.0.1:{port}/mcp") as client:
        call = asyncio.ensure_future(client.call_tool("slow", {"seconds": 60}))
        await started(proc)
        proc.send_signal(signal.SIGTERM)
        await until_connect(port, refused=True)  # the first signal: no longer accepting
        proc.send_signal(signal.SIGTERM)
        assert await finish(proc) == 128 + signal.SIGTERM
        call.cancel()
        await asyncio.gather(call, return_exceptions=True)


def rpc(id: int, method: str, params: object) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode()


@pytest.mark.parametrize(("seconds", "finished"), [(0.3, True), (60.0, False)])
async def test_stdio_signal_drains_then_answers_an_error(
    tmp_path: Path, seconds: float, finished: bool
) -> None:
    proc, _ = await start(tmp_path, "stdio", 0.5)
    assert proc.stdin is not None and proc.stdout is not None
    init = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    }
    proc.stdin.write(rpc(1, "initialize", init) + b"\n")
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    call = {"name": "slow", "arguments": {"seconds": seconds}}
    proc.stdin.write(rpc(2, "tools/call", call) + b"\n")
    await proc.stdin.drain()
    assert json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))["id"] == 1
    await started(proc)
    proc.send_signal(signal.SIGTERM)
    reply = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))
    assert reply["id"] == 2
    if finished:
        assert reply["result"]["content"][0]["text"] == "finished"
    else:
        assert reply["error"]["code"] == -32000
        assert "after 0.5 s (shutdown_timeout)" in reply["error"]["message"]
    assert await finish(proc) == 0
