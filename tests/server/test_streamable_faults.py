"""Streamable HTTP under hostile or vanishing clients: raw loopback sockets, no client SDK."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    },
}
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


class Raw:
    """One keep-alive connection speaking HTTP/1.1 by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, source: str = "127.0.0.1") -> Raw:
        # Another loopback source address (127.0.0.2) is another peer.
        return cls(*await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)))

    def send(self, method: str, body: Any = None, **headers: str) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        h = {
            "Host": "127.0.0.1",
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
            "Content-Length": str(len(data)),
            **{k.replace("_", "-"): v for k, v in headers.items()},
        }
        # An empty value leaves the header out.
        head = f"{method} /mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items() if v)
        self.writer.write(head.encode() + b"\r\n" + data)

    async def head(self) -> tuple[int, dict[str, str]]:
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5)
        lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers

    async def json_response(self) -> tuple[int, dict[str, str], Any]:
        status, headers = await self.head()
        body = await self.reader.readexactly(int(headers["content-length"]))
        return status, headers, json.loads(body) if body else None

    def fin(self) -> None:
        self.writer.write_eof()

    def close(self) -> None:
        self.writer.close()


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.005)


async def initialize(port: int, source: str = "127.0.0.1") -> str:
    c = await Raw.open(port, source)
    c.send("POST", INIT)
    status, headers = await c.head()
    c.close()
    assert status == 200
    return headers["mcp-session-id"]


def hanging_server() -> tuple[Server, dict[str, asyncio.Event]]:
    server = Server("faults", "1.0")
    seen = {"started": asyncio.Event(), "cancelled": asyncio.Event()}

    @server.tool()
    async def hang() -> str:
        seen["started"].set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen["cancelled"].set()
            raise
        return "never"

    return server, seen


async def test_fin_on_the_get_stream_frees_the_slot_and_the_session_expires() -> None:
    # A GET stream closed with FIN used to be kept as a half-close: the session counted a
    # live stream for ever (409 for the next GET, no idle timeout).
    server, _ = hanging_server()
    async with StreamableHTTPServer(server, session_idle_timeout=0.3) as srv:
        sid = await initialize(srv.port)
        sess = srv.app.sessions[sid]
        get = await Raw.open(srv.port)
        get.send("GET", Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
        assert (await get.head())[0] == 200
        assert sess.standalone_live
        get.fin()
        await until(lambda: not sess.standalone_live)
        again = await Raw.open(srv.port)
        again.send("GET", Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
        assert (await again.head())[0] == 200  # not 409: the slot is free
        again.fin()
        await until(lambda: sid not in srv.app.sessions)  # idle timeout applies again
        await until(lambda: not srv.http.connections)
        get.close()
        again.close()


async def test_fin_cancels_a_2026_request_handler() -> None:
    # 2026-07-28 basic/patterns/cancellation: closing the stream is the cancellation signal.
    server, seen = hanging_server()
    async with StreamableHTTPServer(server) as srv:
        c = await Raw.open(srv.port)
        call = {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "tools/call",
            "params": {"name": "hang", "arguments": {}, "_meta": META},
        }
        c.send(
            "POST",
            call,
            MCP_Protocol_Version="2026-07-28",
            Mcp_Method="tools/call",
            Mcp_Name="hang",
        )
        await asyncio.wait_for(seen["started"].wait(), 5)
        c.fin()
        await asyncio.wait_for(seen["cancelled"].wait(), 5)
        await until(lambda: not server.sessions and not srv.http.connections)
        c.close()


async def call(port: int, sid: str, id: int, name: str) -> Raw:
    c = await Raw.open(port)
    body = {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name}}
    c.send("POST", body, Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
    return c


async def refusal(port: int, source: str = "127.0.0.1") -> tuple[int, str]:
    c = await Raw.open(port, source)
    c.send("POST", INIT)
    status, _, body = await c.json_response()
    c.close()
    return status, body["error"]["message"]


async def test_a_full_table_evicts_the_least_recently_used_idle_session() -> None:
    # A full table used to refuse every new client (503) until the idle timeout.
    server, seen = hanging_server()
    async with StreamableHTTPServer(server, max_sessions=3) as srv:
        a, _b, c = [await initialize(srv.port) for _ in range(3)]
        srv.app.sessions[a].last_active += 10  # a was used most recently
        busy = await call(srv.port, c, 2, "hang")  # c has a request in flight
        await asyncio.wait_for(seen["started"].wait(), 5)
        d = await initialize(srv.port)
        assert set(srv.app.sessions) == {a, c, d}  # b: least recently used and idle
        srv.app.sessions[a].in_flight = srv.app.sessions[d].in_flight = 1
        status, message = await refusal(srv.port)
        assert status == 503 and "none idle (max_sessions=3)" in message
        srv.app.sessions[a].in_flight = srv.app.sessions[d].in_flight = 0
        busy.close()


async def test_one_peer_churning_sessions_evicts_only_its_own() -> None:
    server, _ = hanging_server()
    async with StreamableHTTPServer(server, max_sessions=4, max_sessions_per_peer=2) as srv:
        other = await initialize(srv.port, "127.0.0.2")
        mine = [await initialize(srv.port) for _ in range(20)]
        assert set(srv.app.sessions) == {other, *mine[-2:]}
        for sid in mine[-2:]:
            srv.app.sessions[sid].in_flight = 1
        status, message = await refusal(srv.port)
        assert status == 429 and "(max_sessions_per_peer=2)" in message
        assert other in srv.app.sessions
        assert await initialize(srv.port, "127.0.0.2")  # others are not locked out
        for sid in mine[-2:]:
            srv.app.sessions[sid].in_flight = 0


async def test_connections_per_peer_are_capped() -> None:
    server, _ = hanging_server()
    async with StreamableHTTPServer(server, max_connections_per_peer=2) as srv:
        held = [await Raw.open(srv.port) for _ in range(2)]
        await until(lambda: len(srv.http.connections) == 2)
        status, message = await refusal(srv.port)
        assert status == 429 and "(max_connections_per_peer=2)" in message
        assert await initialize(srv.port, "127.0.0.2")
        for c in held:
            c.close()
        await until(lambda: not srv.http.per_peer)
        assert await initialize(srv.port)


async def initialize_version(port: int, version: str) -> str:
    c = await Raw.open(port)
    c.send("POST", {**INIT, "params": {**INIT["params"], "protocolVersion": version}})  # type: ignore[dict-item]
    status, headers = await c.head()
    c.close()
    assert status == 200
    return headers["mcp-session-id"]


PING = {"jsonrpc": "2.0", "id": 9, "method": "ping"}


async def test_body_level_protocol_errors_get_4xx_with_a_json_rpc_error() -> None:
    # These used to get 200 or 202 (and a 2025-11-25 batch a 200 and then nothing).
    server, _ = hanging_server()
    async with StreamableHTTPServer(server) as srv:
        sid = await initialize_version(srv.port, "2025-11-25")
        session = {"Mcp_Session_Id": sid, "MCP_Protocol_Version": "2025-11-25"}
        cases: list[tuple[Any, dict[str, str], int, str]] = [
            ({}, session, 400, '"jsonrpc": "2.0", got nothing'),
            ({"jsonrpc": "2.0"}, session, 400, "expected a JSON-RPC request, notification"),
            ({"foo": [1, 2]}, session, 400, '"jsonrpc": "2.0", got nothing'),
            ({**PING, "jsonrpc": "1.0"}, session, 400, 'got "1.0"'),
            ([PING], session, 400, "batches are not supported in protocol version 2025-11-25"),
            ([INIT], {}, 400, "initialize in a batch"),
            (PING, {**session, "Accept": ""}, 406, "Accept must list application/json"),
        ]
        for body, headers, status, words in cases:
            c = await Raw.open(srv.port)
            c.send("POST", body, **headers)
            got, _, answer = await c.json_response()
            c.close()
            assert (got, answer["error"]["code"]) == (status, -32600), (body, answer)
            assert words in answer["error"]["message"], (body, answer)
        c = await Raw.open(srv.port)
        c.send("GET", Accept="", **session)
        assert (await c.json_response())[0] == 406
        c.close()
        # 2025-03-26 still has batches.
        old = await initialize_version(srv.port, "2025-03-26")
        c = await Raw.open(srv.port)
        c.send("POST", [PING], Mcp_Session_Id=old, MCP_Protocol_Version="2025-03-26")
        assert (await c.head())[0] == 200
        c.close()


async def test_every_limit_refusal_is_a_json_rpc_error_naming_the_limit() -> None:
    # Issue 13, Bad input: the HTTP server's own refusals (a body over max_body_bytes, too
    # many header fields, a request not received in time) were text/plain, and a full
    # session inbox said only "busy": none named the limit's value in a JSON-RPC error.
    server, _ = hanging_server()
    async with StreamableHTTPServer(
        server, max_body_bytes=1000, max_headers=20, head_timeout=0.3
    ) as srv:
        c = await Raw.open(srv.port)
        c.send("POST", {**PING, "params": {"pad": "x" * 2000}})
        status, headers, answer = await c.json_response()
        c.close()
        assert (status, headers["content-type"]) == (413, "application/json")
        assert answer["error"]["code"] == -32600 and answer["id"] is None
        assert "exceeds 1000 bytes" in answer["error"]["message"], answer
        assert answer["error"]["message"].startswith("Content Too Large: ")

        c = await Raw.open(srv.port)
        c.send("POST", PING, **{f"X_{i}": "1" for i in range(30)})
        status, _, answer = await c.json_response()
        c.close()
        assert status == 431 and "limit 20" in answer["error"]["message"], answer

        c = await Raw.open(srv.port)
        c.writer.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        status, _, answer = await c.json_response()
        c.close()
        assert status == 408 and "within 0.3 s (head_timeout)" in answer["error"]["message"]

        sid = await initialize_version(srv.port, "2025-11-25")
        srv.app.sessions[sid].max_inbox = 0  # as if DEFAULT_MAX_INBOX_MESSAGES were queued
        c = await Raw.open(srv.port)
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        c.send("POST", note, Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
        status, _, answer = await c.json_response()
        c.close()
        message = answer["error"]["message"]
        assert status == 503 and "0 messages already queued" in message, answer
        assert "(max_inbox_messages)" in message
        # The server serves on.
        assert await initialize_version(srv.port, "2025-11-25")


async def test_max_inbox_messages_option_bounds_a_sessions_queue_with_a_readable_503() -> None:
    # DEFAULT_MAX_INBOX_MESSAGES had no option, and a request finding the queue full heard
    # only "Service Unavailable: busy".
    server, _ = hanging_server()
    with pytest.raises(ValueError, match="max_inbox_messages must be at least 1, got 0"):
        StreamableHTTPServer(server, max_inbox_messages=0)  # it would refuse the initialize
    async with StreamableHTTPServer(server, max_inbox_messages=2) as srv:
        sid = await initialize_version(srv.port, "2025-11-25")
        sess = srv.app.sessions[sid]
        assert sess.max_inbox == 2
        # A session's reader that lags a burst of POSTs: two bodies wait for it, unread.
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        sess._inbox.extend([json.dumps(note).encode()] * 2)
        expected = (
            "Service Unavailable: 2 messages already queued for this session, not yet read "
            "by it (max_inbox_messages); retry later"
        )
        for message in (note, PING):  # a notification, and a request
            c = await Raw.open(srv.port)
            c.send("POST", message, Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
            status, headers, answer = await c.json_response()
            c.close()
            assert (status, headers["content-type"]) == (503, "application/json"), answer
            assert answer["error"] == {"code": -32600, "message": expected}
        sess._inbox.clear()  # the reader caught up: the session serves on
        c = await Raw.open(srv.port)
        c.send("POST", PING, Mcp_Session_Id=sid, MCP_Protocol_Version="2025-11-25")
        assert (await c.head())[0] == 200
        c.close()
