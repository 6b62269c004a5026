"""A raw JSON-RPC peer for server tests: lines in, decoded messages out (memory transport)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mcplite import Server, memory_pair

STATELESS = "2026-07-28"
CAPS: dict[str, Any] = {"elicitation": {}, "sampling": {}, "roots": {}}


def meta(**extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientCapabilities": CAPS,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
    }
    m.update(extra)
    return m


class Peer:
    def __init__(self, server: Server) -> None:
        self.wire, server_end = memory_pair()
        self.session = server.accept(server_end)
        self.n = 0

    async def send(self, msg: dict[str, Any]) -> None:
        await self.wire.send(json.dumps(msg).encode())

    async def recv(self, timeout: float = 2.0) -> dict[str, Any]:
        data = await asyncio.wait_for(self.wire.receive(), timeout)
        out: dict[str, Any] = json.loads(data)
        return out

    async def start(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        stateless: bool = False,
        **meta_extra: Any,
    ) -> int:
        self.n += 1
        p = dict(params or {})
        if stateless:
            p["_meta"] = {**meta(**meta_extra), **p.get("_meta", {})}
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if p:
            msg["params"] = p
        await self.send(msg)
        return self.n

    async def until(self, rid: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The response to ``rid`` and everything that came before it."""
        before: list[dict[str, Any]] = []
        while True:
            m = await self.recv()
            if m.get("id") == rid and "method" not in m:
                return m, before
            before.append(m)

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        stateless: bool = False,
        **meta_extra: Any,
    ) -> dict[str, Any]:
        resp, _ = await self.until(await self.start(method, params, stateless, **meta_extra))
        return resp

    async def init(
        self, version: str = "2025-11-25", caps: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        r = await self.call(
            "initialize",
            {
                "protocolVersion": version,
                "capabilities": CAPS if caps is None else caps,
                "clientInfo": {"name": "t", "version": "1"},
            },
        )
        await self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    async def aclose(self) -> None:
        await self.wire.aclose()
        await self.session.aclose()


def result(resp: dict[str, Any]) -> dict[str, Any]:
    assert "result" in resp, resp
    r: dict[str, Any] = resp["result"]
    return r


def error(resp: dict[str, Any]) -> dict[str, Any]:
    assert "error" in resp, resp
    e: dict[str, Any] = resp["error"]
    return e
