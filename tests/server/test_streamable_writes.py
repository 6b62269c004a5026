"""Issue 15: one socket write per SSE answer; the priming event still leaves at once when
the handler suspends.  Real loopback sockets; the server's writes are counted by wrapping
``_io.httpconn._Connection.write`` (the real method still runs)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from mcplite._io import httpconn
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


def make_server(gate: asyncio.Event) -> Server:
    server = Server("t", "1.0")

    @server.tool()
    async def echo(text: str) -> str:
        return text  # never suspends: answered in the step that read it

    @server.tool()
    async def gated() -> str:
        await gate.wait()
        return "opened"

    return server


class Raw:
    """One keep-alive connection speaking HTTP/1.1 by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.sid = ""

    def send(self, body: Any) -> None:
        data = json.dumps(body).encode()
        head = (
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\n"
            f"Content-Length: {len(data)}\r\n"
        )
        if self.sid:
            head += f"Mcp-Session-Id: {self.sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)

    async def head(self) -> dict[str, str]:
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 3)
        lines = raw.decode().split("\r\n")
        assert lines[0].startswith("HTTP/1.1 2"), lines[0]
        return {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}

    async def chunk(self) -> bytes:
        size = int((await asyncio.wait_for(self.reader.readline(), 3)).strip(), 16)
        return (await self.reader.readexactly(size + 2))[:-2]

    async def body(self, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        out = b""
        while chunk := await self.chunk():  # chunked, up to the empty last chunk
            out += chunk
        return out


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    seen: list[bytes] = []
    real = httpconn._Connection.write

    def counting(self: httpconn._Connection, data: bytes) -> None:
        seen.append(data)
        real(self, data)

    monkeypatch.setattr(httpconn._Connection, "write", counting)
    return seen


async def test_one_write_per_sse_answer_and_prompt_priming(writes: list[bytes]) -> None:
    gate = asyncio.Event()
    async with StreamableHTTPServer(make_server(gate), json_response=False) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        c = Raw(reader, writer)
        try:
            c.send(INIT)
            h = await c.head()
            await c.body(h)
            c.sid = h["mcp-session-id"]
            c.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            await c.body(await c.head())
            for i in range(5):
                writes.clear()
                c.send(
                    {
                        "jsonrpc": "2.0",
                        "id": 10 + i,
                        "method": "tools/call",
                        "params": {"name": "echo", "arguments": {"text": f"t{i}"}},
                    }
                )
                h = await c.head()
                body = await c.body(h)
                assert h["content-type"] == "text/event-stream"
                # head, priming event, the answer and the chunked end: a single write
                assert len(writes) == 1, [w[:60] for w in writes]
                assert body.startswith(b"id: ") and b'"t%d"' % i in body
            # A handler that suspends: the head and priming event leave without waiting
            # for its answer (SEP-1699: the client has an event id to resume from).
            c.send(
                {
                    "jsonrpc": "2.0",
                    "id": 20,
                    "method": "tools/call",
                    "params": {"name": "gated", "arguments": {}},
                }
            )
            h = await c.head()
            first = await c.chunk()
            assert first.startswith(b"id: ") and b"opened" not in first
            gate.set()
            assert b'"opened"' in await c.body(h)
        finally:
            writer.close()
