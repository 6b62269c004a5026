"""The ASGI adapter under uvicorn (test-only dependency): in process, and 2 workers."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mcplite._server.asgi import asgi_app
from mcplite._server.server import Server

uvicorn = pytest.importorskip("uvicorn")

ACCEPT = "application/json, text/event-stream"


def make_server() -> Server:
    server = Server("asgi", "1.0", state_key=os.environ.get("MCPLITE_TEST_STATE_KEY"))

    @server.tool()
    async def echo(text: str) -> str:
        return text

    return server


def make_app() -> Any:
    """uvicorn --factory entry point for the multi-worker test."""
    return asgi_app(make_server(), stateless=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(port: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        h = {"Content-Type": "application/json", "Accept": ACCEPT, **(headers or {})}
        c.request("POST", "/mcp", json.dumps(body), h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def call(id: int, text: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": id,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": text}},
    }


def last_message(data: bytes) -> Any:
    text = data.decode()
    if text.startswith("{"):
        return json.loads(text)
    lines = [ln[6:] for ln in text.split("\n") if ln.startswith("data: ") and ln[6:]]
    return json.loads(lines[-1])


async def test_uvicorn_in_process_session_flow() -> None:
    port = free_port()
    config = uvicorn.Config(
        asgi_app(make_server(), json_response=True),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    for _ in range(2000):  # uvicorn exposes no started event
        if server.started:
            break
        await asyncio.sleep(0.005)
    try:

        def run() -> None:
            init = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            }
            status, h, _ = post(port, init)
            assert status == 200
            sid = h["mcp-session-id"]
            hh = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
            assert (
                post(port, {"jsonrpc": "2.0", "method": "notifications/initialized"}, hh)[0] == 202
            )
            status, h, data = post(port, call(2, "hi"), hh)
            assert status == 200 and h["content-type"] == "application/json"
            assert last_message(data)["result"]["content"][0]["text"] == "hi"
            assert post(port, call(3, "x"), {"Mcp-Session-Id": "bogus"})[0] == 404
            assert post(port, call(3, "x"), {"Host": "evil.example"})[0] == 403

        await asyncio.to_thread(run)
    finally:
        server.should_exit = True
        await task


def test_uvicorn_two_workers_stateless() -> None:
    port = free_port()
    here = Path(__file__).resolve().parent
    env = dict(
        os.environ,
        MCPLITE_TEST_STATE_KEY="shared-secret-for-tests",
        PYTHONPATH=os.pathsep.join([str(here.parents[1]), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "--workers",
            "2",
            "--app-dir",
            str(here),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "test_asgi:make_app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("uvicorn did not start") from None
                time.sleep(0.05)
        for i in range(8):
            status, h, data = post(port, call(i, f"n{i}"))
            assert status == 200, data
            assert "mcp-session-id" not in h
            assert last_message(data)["result"]["content"][0]["text"] == f"n{i}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()
