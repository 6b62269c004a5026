"""Hostile HTTP clients are refused quietly, and the in-flight cap holds in stateless mode.

Issue 13's "Bad input" rule: nothing is logged above DEBUG per hostile request (no log
flooding), and a refusal never kills the server. Real loopback sockets, raw HTTP/1.1.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer

from .test_streamable_faults import META, Raw, hanging_server, initialize, until

HANG_2026 = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "tools/call",
    "params": {"name": "hang", "arguments": {}, "_meta": META},
}
HEADERS_2026 = {
    "MCP_Protocol_Version": "2026-07-28",
    "Mcp_Method": "tools/call",
    "Mcp_Name": "hang",
}


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def mcplite_logs() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("mcplite")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


async def _send_raw(port: int, payload: bytes, **headers: str) -> int:
    c = await Raw.open(port)
    head = (
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n"
        + "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
        + f"Content-Length: {len(payload)}\r\n\r\n"
    )
    c.writer.write(head.encode() + payload)
    status, _ = await c.head()
    c.close()
    return status


async def test_hostile_requests_log_nothing_above_debug(mcplite_logs: Records) -> None:
    server, seen = hanging_server()
    async with StreamableHTTPServer(server, session_idle_timeout=60) as srv:
        sid = await initialize(srv.port)
        session = {"Mcp_Session_Id": sid, "MCP_Protocol_Version": "2025-11-25"}
        ping = b'{"jsonrpc":"2.0","id":9,"method":"ping"}'
        hostile: list[tuple[bytes, dict[str, str], int]] = [
            (b"[" * 100_000, session, 400),  # nesting past the depth limit
            (b'{"jsonrpc":"2.0","id":1,"method":"p\xffing"}', session, 400),  # bad UTF-8
            (b'{"jsonrpc":"1.0","id":1,"method":"ping"}', session, 400),
            (b"[" + ping + b"]", session, 400),  # a batch on 2025-11-25
            (b'{"hello": "world"}', session, 400),  # JSON, not JSON-RPC
            (b"{not json", session, 400),
            (ping, {**session, "Mcp_Session_Id": "no-such-session"}, 404),
            (ping, {"MCP_Protocol_Version": "2025-11-25"}, 400),  # no session id
        ]
        for _ in range(3):  # repeated: a flood would log each time
            for payload, headers, status in hostile:
                assert await _send_raw(srv.port, payload, **headers) == status, payload[:40]
        # A GET stream and a 2026 call, both dropped by the client (FIN, then a reset).
        get = await Raw.open(srv.port)
        get.send("GET", **session)
        assert (await get.head())[0] == 200
        get.fin()
        call = await Raw.open(srv.port)
        call.send("POST", HANG_2026, **HEADERS_2026)
        await asyncio.wait_for(seen["started"].wait(), 5)
        call.writer.transport.abort()
        await asyncio.wait_for(seen["cancelled"].wait(), 5)
        get.close()
        call.close()
        await until(lambda: not srv.http.connections)
        # Still serving the client that did nothing wrong.
        assert await _send_raw(srv.port, ping, **session) == 200
    # The capture works: a module logger of the package reaches it (this control line only).
    logging.getLogger("mcplite._io.httpserver").warning("control")
    loud = [r for r in mcplite_logs.records if r.levelno > logging.DEBUG]
    assert [r.getMessage() for r in loud] == ["control"], [
        f"{r.name} {r.levelname}: {r.getMessage()}" for r in loud
    ]


async def test_stateless_in_flight_cap_refuses_and_frees_on_disconnect() -> None:
    # Stateless mode makes a session per request: only the server-wide cap bounds it.
    server = Server("quiet", "1.0", max_in_flight_total=2)
    started: asyncio.Queue[None] = asyncio.Queue()
    cancelled: asyncio.Queue[None] = asyncio.Queue()

    @server.tool()
    async def hang() -> str:
        started.put_nowait(None)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.put_nowait(None)
            raise
        return "never"

    async with StreamableHTTPServer(server, stateless=True) as srv:
        calls = []
        for _ in range(2):
            c = await Raw.open(srv.port)
            c.send("POST", HANG_2026, **HEADERS_2026)
            calls.append(c)
            await asyncio.wait_for(started.get(), 5)
        third = await Raw.open(srv.port)
        third.send("POST", HANG_2026, **HEADERS_2026)
        status, _ = await third.head()
        body = await third.reader.read(65536)
        assert status == 200, status  # a JSON-RPC error for that request
        assert b"2 requests already in flight on this server" in body, body
        third.close()
        for c in calls:  # the clients leave: their handlers are cancelled, the slots freed
            c.close()
        for _ in calls:
            await asyncio.wait_for(cancelled.get(), 5)
        await until(lambda: server.in_flight.used == 0)
        again = await Raw.open(srv.port)  # the freed slot takes a new call
        again.send("POST", HANG_2026, **HEADERS_2026)
        await asyncio.wait_for(started.get(), 5)
        again.close()
        await asyncio.wait_for(cancelled.get(), 5)
