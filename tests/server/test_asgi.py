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
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._wire.http11_write import encode_response_head

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


async def _native_answer(port: int, head: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        return await reader.read()  # the server closes after a refusal
    finally:
        writer.close()


async def _asgi_answer(app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> bytes:
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    await app(scope, receive, send)
    start, body = sent
    assert (start["type"], body["type"]) == ("http.response.start", "http.response.body")
    payload: bytes = body["body"]
    return encode_response_head(start["status"], list(start["headers"])) + payload


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_oversized_body_gets_the_native_servers_refusal_byte_for_byte(framing: str) -> None:
    # The ASGI adapter answered a body over max_body_bytes with a 413 of its own making (no
    # Content-Length, its own wording); it now sends the refusal our HTTP server sends.
    fields = [(b"content-type", b"application/json"), (b"accept", ACCEPT.encode())]
    if framing == "content-length":
        fields.append((b"content-length", b"2000"))
        native_head = b"Content-Length: 2000\r\n\r\n"  # refused from the head alone
        chunks = [b"x" * 2000]
    else:
        native_head = b"Transfer-Encoding: chunked\r\n\r\n7d0\r\n"  # a 2000-byte chunk
        chunks = [b"x" * 600, b"y" * 600]
    server = make_server()
    async with StreamableHTTPServer(server, max_body_bytes=1000) as srv:
        request = (
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Accept: %s\r\n" % (srv.port, ACCEPT.encode())
        )
        native = await _native_answer(srv.port, request + native_head)
    adapted = await _asgi_answer(asgi_app(make_server(), max_body_bytes=1000), fields, chunks)
    assert adapted == native
    head, _, body = native.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 Content Too Large\r\n") and b"connection: close" in head
    error = json.loads(body)["error"]
    assert error["code"] == -32600 and "exceeds 1000 bytes (max_body_bytes)" in error["message"]
    size = "body of 2000 bytes" if framing == "content-length" else "chunked body"
    assert error["message"] == f"Content Too Large: {size} exceeds 1000 bytes (max_body_bytes)"
