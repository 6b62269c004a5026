"""The gateway's streamable HTTP front checks a 2026-07-28 tools/call's ``Mcp-Param-*``
headers against the backend tool's ``x-mcp-header`` arguments (SEP-2243), which a stdio
backend never sees; a mounted tool's are checked the same way."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

import mcplite
from mcplite import Server
from mcplite._server.streamable_run import StreamableHTTPServer
from tests.gateway.backend import HandshakeOnly
from tests.server.test_streamable_http import META, Client

SCHEMA = {
    "type": "object",
    "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
    "required": ["region"],
}


def _backend() -> Server:
    server = Server("headers")

    async def where(region: str) -> str:
        return f"in {region}"

    server.add_tool(where, name="where", input_schema=SCHEMA)
    return server


def _call(name: str, region: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": {"region": region}, "_meta": META},
    }


def _post(port: int, name: str, region: str, header: str | None) -> tuple[int, dict[str, Any]]:
    headers = {
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": name,
    }
    if header is not None:
        headers["Mcp-Param-Region"] = header
    status, _, data = Client(port).call("POST", _call(name, region), headers)
    text = data.decode()
    if text.startswith("event:") or text.startswith("data:"):
        text = [line[5:] for line in text.splitlines() if line.startswith("data:")][-1]
    return status, json.loads(text)


@pytest.mark.parametrize("kind", ["proxy", "proxy-handshake", "mounted-proxy", "mounted"])
async def test_param_headers_are_checked_against_the_backend_tool(kind: str) -> None:
    target: Any = HandshakeOnly(_backend()) if kind == "proxy-handshake" else _backend()
    gw = mcplite.proxy(target)
    front: Server = gw
    name = "where"
    if kind.startswith("mounted"):
        front = Server("front")
        front.mount(gw if kind == "mounted-proxy" else _backend(), namespace="w")
        name = "w_where"
    async with gw, StreamableHTTPServer(front, stateless=True) as srv:

        def run() -> None:
            status, body = _post(srv.port, name, "eu", "eu")
            assert status == 200, body
            assert body["result"]["content"][0]["text"] == "in eu"
            sentinel = "=?base64?" + base64.b64encode(b"eu").decode() + "?="
            assert _post(srv.port, name, "eu", sentinel)[0] == 200
            for header, words in (
                (None, "Mcp-Param-Region header is missing"),
                ("us", "does not match body value 'eu'"),
                ("=?base64?SGVsbG8?=", "malformed base64"),
            ):
                status, body = _post(srv.port, name, "eu", header)
                assert status == 400, body
                assert body["error"]["code"] == -32020
                assert words in body["error"]["message"]

        await asyncio.to_thread(run)
