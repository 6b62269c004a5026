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

    async def list_tools(self) -> int:
        return len((await self._client.list_tools()).tools)


class MCPLiteAdapter:
    @contextlib.asynccontextmanager
    async def open(self, spec: dict[str, Any]) -> AsyncIterator[Session]:
        transport = spec["transport"]
        limit = spec.get("max_message_bytes") or 0
        options: dict[str, Any] = {}
        if transport == "stdio":
            target: Any = spec["server_cmd"]
            if limit:
                options["max_line_bytes"] = limit
        elif transport == "http":
            target = spec["url"]
            if limit:
                options["http_options"] = {"max_message_bytes": limit}
        elif transport == "memory":
            from ..servers.mcplite_echo import build_server

            target = build_server()
        else:
            raise SystemExit(f"mcplite client: unknown transport {transport!r}")
        # Same protocol as the floor and the peers (perf-baseline.md: the initialize
        # handshake, 2025-11-25), so the cells compare like with like.
        version = spec.get("protocol_version", "2025-11-25")
        async with mcplite.connect(target, protocol_version=version, **options) as client:
            yield _Session(client)


if __name__ == "__main__":
    main(lambda spec: MCPLiteAdapter())
