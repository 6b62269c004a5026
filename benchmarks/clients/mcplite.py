"""Client runner for mcplite's own client (``mcplite.connect``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import mcplite

# Import the client side up front, like the floor client does: cold start measures spawn ->
# initialize -> tools/list, not the client's own import (perf-baseline.md §3).
from mcplite._client import client as _client  # noqa: F401
from mcplite._io import stdio as _stdio  # noqa: F401

from .._runner import Session, main


def _text(result: Any) -> str:
    content = getattr(result, "content", None)
    if content is None and isinstance(result, dict):
        content = result.get("content")
    if not content:
        raise RuntimeError(f"no content in {result!r}")
    first = content[0]
    return str(first["text"] if isinstance(first, dict) else first.text)


class _Session:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def call_echo(self, text: str) -> str:
        return _text(await self._client.call_tool("echo", {"text": text}))

    async def list_tools(self) -> object:
        return await self._client.list_tools()


class MCPLiteAdapter:
    @contextlib.asynccontextmanager
    async def open(self, spec: dict[str, Any]) -> AsyncIterator[Session]:
        transport = spec["transport"]
        if transport == "stdio":
            target: Any = spec["server_cmd"]
        elif transport == "http":
            target = spec["url"]
        elif transport == "memory":
            from ..servers.mcplite_echo import build_server

            target = build_server()
        else:
            raise SystemExit(f"mcplite client: unknown transport {transport!r}")
        # Same protocol as the floor and the peers (perf-baseline.md: the initialize
        # handshake, 2025-11-25), so the cells compare like with like.
        version = spec.get("protocol_version", "2025-11-25")
        async with mcplite.connect(target, protocol_version=version) as client:
            yield _Session(client)


if __name__ == "__main__":
    main(lambda spec: MCPLiteAdapter())
