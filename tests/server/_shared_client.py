"""A small handshake-era MCP client for the shared-session tests: each call picks its worker."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mcplite._io.httpclient import HTTPClient, HTTPResponse
from mcplite._wire.http11 import HTTPProtocolError

VERSION = "2025-11-25"
WAIT_SECONDS = 10.0


class SSE:
    """The events of one SSE response, as they arrive."""

    def __init__(self, resp: HTTPResponse) -> None:
        self.resp = resp
        self.buf = b""
        self.ended = False

    async def next(self, timeout: float = WAIT_SECONDS) -> tuple[str | None, Any] | None:
        """(id, message or None for an empty event), or None at the end of the stream."""
        while b"\n\n" not in self.buf:
            if self.ended:
                return None
            try:
                chunk = await asyncio.wait_for(self.resp.next_chunk(), timeout)
            except (HTTPProtocolError, ConnectionError):
                chunk = None  # the server dropped the connection (SEP-1699 polling)
            if chunk is None:
                self.ended = True
            else:
                self.buf += chunk
        raw, _, self.buf = self.buf.partition(b"\n\n")
        eid = None
        data = []
        for line in raw.decode().split("\n"):
            if line.startswith("id:"):
                eid = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        text = "\n".join(data)
        return eid, json.loads(text) if text else None

    async def message(self, timeout: float = WAIT_SECONDS) -> tuple[str | None, Any]:
        """The next event carrying a message."""
        while True:
            got = await self.next(timeout)
            assert got is not None, "the stream ended"
            if got[1] is not None:
                return got

    async def aclose(self) -> None:
        await self.resp.aclose()


class Client:
    def __init__(self, http: HTTPClient, ports: list[int], token: str | None = None) -> None:
        self.http = http
        self.ports = ports
        self.token = token
        self.sid: str | None = None
        self.next_id = 1

    def headers(self, sid: str | None = None, **extra: str) -> dict[str, str]:
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        if self.token is not None:
            h["authorization"] = f"Bearer {self.token}"
        sid = sid or self.sid
        if sid is not None:
            h["mcp-session-id"] = sid
            h["mcp-protocol-version"] = VERSION
        h.update(extra)
        return h

    def url(self, worker: int) -> str:
        return f"http://127.0.0.1:{self.ports[worker]}/mcp"

    async def post(self, worker: int, body: Any, **extra: str) -> HTTPResponse:
        return await self.http.request(
            "POST", self.url(worker), self.headers(**extra), json.dumps(body).encode()
        )

    async def initialize(self, worker: int) -> None:
        init = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": VERSION,
                "capabilities": {"elicitation": {}, "sampling": {}},
                "clientInfo": {"name": "shared-test", "version": "1"},
            },
        }
        resp = await self.post(worker, init)
        assert resp.status == 200, await resp.read()
        self.sid = resp.header("mcp-session-id")
        reply = await answer(resp)
        assert reply["result"]["protocolVersion"] == VERSION
        await self.notify(worker, "notifications/initialized")

    async def notify(self, worker: int, method: str, params: Any = None) -> None:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            body["params"] = params
        resp = await self.post(worker, body)
        assert resp.status == 202, (resp.status, await resp.read())
        await resp.read()

    def request_body(self, method: str, params: Any) -> dict[str, Any]:
        self.next_id += 1
        return {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}

    async def request(self, worker: int, method: str, params: Any = None) -> Any:
        resp = await self.post(worker, self.request_body(method, params or {}))
        assert resp.status == 200, (resp.status, await resp.read())
        return await answer(resp)

    async def call(self, worker: int, name: str, **arguments: Any) -> Any:
        return await self.request(worker, "tools/call", {"name": name, "arguments": arguments})

    async def status_of(self, worker: int, method: str, params: Any = None) -> tuple[int, Any]:
        resp = await self.post(worker, self.request_body(method, params or {}))
        if resp.status != 200:
            data = await resp.read()
            return resp.status, json.loads(data) if data else None
        return 200, await answer(resp)

    async def get(self, worker: int, **extra: str) -> HTTPResponse:
        h = self.headers(**extra)
        h["accept"] = "text/event-stream"
        return await self.http.request("GET", self.url(worker), h, read_timeout=None)

    async def delete(self, worker: int) -> int:
        resp = await self.http.request("DELETE", self.url(worker), self.headers())
        await resp.read()
        return resp.status


async def answer(resp: HTTPResponse) -> Any:
    """The JSON-RPC response of a POST, answered as JSON or as SSE."""
    if resp.content_type == "application/json":
        return json.loads(await resp.read())
    sse = SSE(resp)
    while True:
        _, msg = await sse.message()
        if "id" in msg and "method" not in msg:
            await sse.aclose()
            return msg


def text_of(reply: Any) -> str:
    assert "result" in reply, reply
    return str(reply["result"]["content"][0]["text"])
