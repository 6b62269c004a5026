"""Client runner for the official Python SDK: ``Client(..., mode="legacy")``.

Runs with the peer's own interpreter (``python -m benchmarks.clients.official_py SPEC``, the
repository root on PYTHONPATH). ``mode="legacy"`` pins the initialize handshake, as the
baseline did, so every implementation speaks protocol 2025-11-25.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp import Client, StdioServerParameters  # type: ignore[import-not-found,unused-ignore]

from .._runner import Session, main


class _Session:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def call_echo(self, text: str) -> str:
        result = await self._client.call_tool("echo", {"text": text})
        content = result.content[0]
        return str(content.text)

    async def list_tools(self) -> int:
        return len((await self._client.list_tools()).tools)


class OfficialAdapter:
    @contextlib.asynccontextmanager
    async def open(self, spec: dict[str, Any]) -> AsyncIterator[Session]:
        transport = spec["transport"]
        if transport == "stdio":
            cmd = spec["server_cmd"]
            target: Any = StdioServerParameters(command=cmd[0], args=cmd[1:])
        elif transport == "http":
            target = spec["url"]
        else:
            raise SystemExit(f"official-py client: unsupported transport {transport!r}")
        async with Client(target, mode="legacy") as client:
            yield _Session(client)


if __name__ == "__main__":
    main(lambda spec: OfficialAdapter())
