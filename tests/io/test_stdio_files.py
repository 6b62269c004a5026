"""stdio server edge cases: regular files as stdin/stdout, answers still in flight at EOF."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

SERVER = """
import asyncio, os
from mcplite import Server
server = Server("files", "1.0", drain_timeout=float(os.environ.get("DRAIN", "0.8")))

@server.tool()
async def slow(delay: float) -> str:
    await asyncio.sleep(delay)
    return "done"

server.run("stdio")
"""

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
}


def call(id: int, delay: float) -> bytes:
    params = {"name": "slow", "arguments": {"delay": delay}, "_meta": META}
    msg = {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}
    return msgspec.json.encode(msg) + b"\n"


def script(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    return path


def test_stdin_and_stdout_may_be_regular_files(tmp_path: Path) -> None:
    requests = tmp_path / "in.jsonl"
    requests.write_bytes(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n' + call(2, 0))
    out = tmp_path / "out.jsonl"
    with requests.open("rb") as stdin, out.open("wb") as stdout:
        proc = subprocess.run(
            [sys.executable, str(script(tmp_path))],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=ENV,
            timeout=10,
        )
    assert proc.returncode == 0, proc.stderr.decode()
    replies = {r["id"]: r for r in map(msgspec.json.decode, out.read_bytes().splitlines())}
    assert replies[1] == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert replies[2]["result"]["content"][0]["text"] == "done"


def test_stdin_from_dev_null_is_end_of_input(tmp_path: Path) -> None:
    # epoll refuses /dev/null (EPERM) only in asyncio's add-reader callback; the server
    # used to log that and wait for input forever (a 10 s timeout here).
    proc = subprocess.run(
        [sys.executable, str(script(tmp_path))],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=ENV,
        timeout=10,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()


async def test_in_flight_requests_are_answered_after_stdin_eof(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script(tmp_path)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=ENV,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b'{"jsonrpc":"2.0","id":0,"method":"ping"}\n')
    await proc.stdin.drain()
    assert msgspec.json.decode(await asyncio.wait_for(proc.stdout.readline(), 10))["id"] == 0
    proc.stdin.write(call(1, 0.02) + call(2, 30))  # one finishes in time, one never does
    await proc.stdin.drain()
    started = time.monotonic()
    proc.stdin.close()
    out = await asyncio.wait_for(proc.stdout.read(), 10)
    assert await asyncio.wait_for(proc.wait(), 5) == 0
    # The drain is bounded (stdio shutdown): far below the 30 s call it gave up on, with
    # room for a loaded machine.
    assert time.monotonic() - started < 5.0
    replies = [msgspec.json.decode(line) for line in out.splitlines()]
    assert [r["id"] for r in replies] == [1]
    assert replies[0]["result"]["content"][0]["text"] == "done"
