"""The ASGI adapter, two ways: under uvicorn (test-only dependency, skipped without it), in
process and with 2 workers; and driven in-process by a fake ASGI server's receive/send (no
ASGI server needed): lifespan, body limits, session flow, streams, disconnects and the
response channel's contract."""

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

from mcplite._server.asgi import _Channel, asgi_app
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._wire.http11_write import encode_response_head

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
    uvicorn = pytest.importorskip("uvicorn")
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
    pytest.importorskip("uvicorn")
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


# ---------------------------------------------------------------- in process, no ASGI server

HOST = b"127.0.0.1:8000"


def make_inproc_server() -> Server:
    """echo, and stall (which runs until cancelled)."""
    server = Server("asgi-inproc", "1.0")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    @server.tool()
    async def stall() -> str:
        await asyncio.Event().wait()  # until cancelled
        return "never"

    return server


class FakeASGIServer:
    """The ASGI server side: feeds body chunks, then waits for a disconnect request."""

    def __init__(self, chunks: list[bytes], *, disconnect_early: bool = False) -> None:
        self.incoming: list[dict[str, Any]] = [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]
        if disconnect_early:
            self.incoming = self.incoming[:1]
            self.incoming[0]["more_body"] = True
            self.incoming.append({"type": "http.disconnect"})
        self.hang_up = asyncio.Event()
        self.sent: list[dict[str, Any]] = []
        self.got_start = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self.incoming:
            return self.incoming.pop(0)
        await self.hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.start":
            self.got_start.set()

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def scope(
    method: str,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    path: str = "/mcp",
    raw_path: bytes | None = None,
    query: bytes = b"",
    server: Any = ("127.0.0.1", 8000),
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(b"host", HOST), *(headers or [])],
        "server": server,
        "client": ("127.0.0.1", 50000),
    }
    if raw_path is not None:
        s["raw_path"] = raw_path
    return s


def rpc(id: int | None, method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        msg["id"] = id
    if params is not None:
        msg["params"] = params
    return json.dumps(msg).encode()


INIT = rpc(
    1,
    "initialize",
    {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
)
POST_HEADERS = [(b"content-type", b"application/json"), (b"accept", ACCEPT.encode())]


def sse_data(body: bytes) -> list[Any]:
    return [
        json.loads(line[6:])
        for line in body.decode().split("\n")
        if line.startswith("data: ") and line[6:]
    ]


async def initialize(app: Any) -> str:
    peer = FakeASGIServer([INIT[:10], INIT[10:]])  # the body arrives in two chunks
    await app(scope("POST", headers=POST_HEADERS, query=b"x=1"), peer.receive, peer.send)
    assert peer.status == 200
    sid = peer.headers[b"mcp-session-id"].decode()
    peer = FakeASGIServer([rpc(None, "notifications/initialized")])
    h = [*POST_HEADERS, (b"mcp-session-id", sid.encode())]
    await app(scope("POST", headers=h), peer.receive, peer.send)
    assert peer.status == 202
    return sid


async def test_lifespan_and_unknown_scope() -> None:
    app = asgi_app(make_inproc_server())
    messages = [
        {"type": "lifespan.startup"},
        {"type": "lifespan.unknown"},  # not ours to answer: ignored
        {"type": "lifespan.shutdown"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(m: dict[str, Any]) -> None:
        sent.append(m)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    await app({"type": "websocket"}, receive, send)  # ignored, nothing is sent
    assert len(sent) == 2


async def test_body_too_large_is_413() -> None:
    app = asgi_app(make_inproc_server(), max_body_bytes=16)
    peer = FakeASGIServer([b"x" * 10, b"y" * 10])
    await app(scope("POST", headers=POST_HEADERS), peer.receive, peer.send)
    assert peer.status == 413
    assert peer.headers[b"connection"] == b"close"
    # A JSON-RPC error naming the limit and its value, like every other refusal (was text).
    assert peer.headers[b"content-type"] == b"application/json"
    error = json.loads(peer.body)["error"]
    assert error["code"] == -32600 and "exceeds 16 bytes (max_body_bytes)" in error["message"]


async def test_session_flow_json_response() -> None:
    app = asgi_app(make_inproc_server(), json_response=True)
    sid = await initialize(app)
    h = [*POST_HEADERS, (b"mcp-session-id", sid.encode()), (b"mcp-protocol-version", b"2025-11-25")]
    peer = FakeASGIServer([rpc(2, "tools/call", {"name": "echo", "arguments": {"text": "hi"}})])
    await app(scope("POST", headers=h, raw_path=b"/mcp"), peer.receive, peer.send)
    assert peer.status == 200
    reply = json.loads(peer.body)
    assert reply["result"]["content"][0]["text"] == "hi"
    assert int(peer.headers[b"content-length"]) == len(peer.body)
    # DELETE ends the session; a second DELETE finds nothing
    peer = FakeASGIServer([b""])
    await app(scope("DELETE", headers=h), peer.receive, peer.send)
    assert peer.status == 204
    peer = FakeASGIServer([b""])
    await app(scope("DELETE", headers=h), peer.receive, peer.send)
    assert peer.status == 404
    await app.mcp.aclose()  # type: ignore[attr-defined]


async def test_post_answered_over_sse() -> None:
    app = asgi_app(make_inproc_server())
    sid = await initialize(app)
    h = [*POST_HEADERS, (b"mcp-session-id", sid.encode()), (b"mcp-protocol-version", b"2025-11-25")]
    peer = FakeASGIServer([rpc(2, "tools/call", {"name": "echo", "arguments": {"text": "sse"}})])
    await app(scope("POST", headers=h), peer.receive, peer.send)
    assert peer.status == 200
    assert peer.headers[b"content-type"].startswith(b"text/event-stream")
    assert sse_data(peer.body)[-1]["result"]["content"][0]["text"] == "sse"
    assert peer.sent[-1]["more_body"] is False
    await app.mcp.aclose()  # type: ignore[attr-defined]


async def test_get_stream_ends_on_client_disconnect() -> None:
    app = asgi_app(make_inproc_server())
    sid = await initialize(app)
    h = [(b"accept", b"text/event-stream"), (b"mcp-session-id", sid.encode())]
    peer = FakeASGIServer([b""])
    task = asyncio.ensure_future(app(scope("GET", headers=h), peer.receive, peer.send))
    await asyncio.wait_for(peer.got_start.wait(), 5)
    assert peer.status == 200
    sess = app.mcp.sessions[sid]  # type: ignore[attr-defined]
    assert sess.standalone_live
    peer.hang_up.set()  # the client goes away: the pump stops, close callbacks run
    await asyncio.wait_for(task, 5)
    assert not sess.standalone_live
    await app.mcp.aclose()  # type: ignore[attr-defined]


async def test_disconnect_while_reading_body() -> None:
    app = asgi_app(make_inproc_server(), json_response=True)
    peer = FakeASGIServer([INIT[:5], INIT[5:]], disconnect_early=True)
    await app(scope("POST", headers=POST_HEADERS), peer.receive, peer.send)
    # the truncated body is not JSON: a parse error, answered (the ASGI server drops it)
    assert peer.status == 400
    assert json.loads(peer.body)["error"]["code"] == -32700


async def test_wrong_path_and_method() -> None:
    app = asgi_app(make_inproc_server(), stateless=True)
    peer = FakeASGIServer([b""])
    await app(scope("GET", path="/other"), peer.receive, peer.send)
    assert peer.status == 404
    peer = FakeASGIServer([b""])
    await app(scope("GET"), peer.receive, peer.send)
    assert peer.status == 405 and peer.headers[b"allow"] == b"POST"


def _closed(ch: _Channel) -> bool:
    return ch.closed  # a function call, so the checker does not narrow the property


def test_channel_responder_contract() -> None:
    async def main() -> None:
        ch = _Channel({"client": ("1.2.3.4", 5)})
        assert ch.local_address is None
        assert ch.client == ("1.2.3.4", 5)
        assert not ch.disconnected
        assert not _closed(ch)
        ch.respond(200, [], b"ok")
        with pytest.raises(RuntimeError, match="already answered"):
            ch.respond(200, [])
        with pytest.raises(RuntimeError, match="already answered"):
            ch.start_stream(200, [])
        assert _closed(ch)
        n = len(ch.queue)
        ch.write(b"late")  # a finished response takes no more data
        ch.end(b"late")
        ch.abort()
        assert len(ch.queue) == n

        st = _Channel({"server": ["127.0.0.1", 80]})
        assert st.local_address == ("127.0.0.1", 80)
        stream = st.start_stream(200, [(b"content-type", b"text/event-stream")])
        assert stream is st
        stream.write(b"")  # empty writes are dropped
        stream.write(b"data: 1\n\n")
        await stream.drain()
        stream.abort()
        assert [k for k, _, _ in st.queue] == [0, 1, 2]
        calls: list[str] = []
        st.on_close(lambda: calls.append("first"))
        st.gone()
        st.gone()  # idempotent: callbacks run once
        st.on_close(lambda: calls.append("late"))  # already gone: runs at once
        assert calls == ["first", "late"] and st.disconnected

    asyncio.run(main())


async def test_abort_leaves_response_unfinished() -> None:
    from mcplite._server.asgi import _pump

    ch = _Channel({})
    sent: list[dict[str, Any]] = []

    async def send(m: dict[str, Any]) -> None:
        sent.append(m)

    stream = ch.start_stream(200, [])
    stream.write(b"a")
    stream.abort()
    await _pump(ch, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["more_body"] is True


async def test_disconnect_cancels_the_running_handler() -> None:
    app = asgi_app(make_inproc_server())
    sid = await initialize(app)
    h = [*POST_HEADERS, (b"mcp-session-id", sid.encode()), (b"mcp-protocol-version", b"2025-11-25")]
    peer = FakeASGIServer([rpc(2, "tools/call", {"name": "stall", "arguments": {}})])
    # an extra body message after the request is not a disconnect: the watcher keeps going
    peer.incoming.append({"type": "http.request", "body": b"", "more_body": False})
    task = asyncio.ensure_future(
        app(scope("POST", headers=h, raw_path="/mcp"), peer.receive, peer.send)  # type: ignore[arg-type]
    )
    await asyncio.wait_for(peer.got_start.wait(), 5)
    assert peer.status == 200
    peer.hang_up.set()
    await asyncio.wait_for(task, 5)
    assert not any(m.get("more_body") is False for m in peer.sent[1:])
    await app.mcp.aclose()  # type: ignore[attr-defined]


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
