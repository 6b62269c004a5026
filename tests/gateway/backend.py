"""A backend server for the gateway tests: in memory (``build()``) or as a stdio subprocess.

python tests/gateway/backend.py [--handshake-only] [--name NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import msgspec

from mcplite import Context, Server, types as t

HANDSHAKE_VERSIONS = tuple(v for v in t.SUPPORTED_PROTOCOL_VERSIONS if v < "2026-07-28")


def build(name: str = "backend") -> Server:
    server = Server(name, version="9.9.9", instructions="a test backend")
    cancelled: list[str] = []

    @server.tool()
    async def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    async def echo(text: str) -> str:
        return text

    @server.tool()
    async def steps(ctx: Context, n: int = 3) -> str:
        for i in range(n):
            await ctx.progress(i + 1, total=n, message=f"step {i + 1}")
        await ctx.log("warning", "stepped")
        return f"{n} steps"

    @server.tool()
    async def chatter(ctx: Context, text: str, n: int = 5) -> str:
        """Log and report progress ``n`` times, 20 ms apart (concurrent calls overlap)."""
        for i in range(n):
            await ctx.log("info", f"{text} {i}")
            await ctx.progress(i + 1, total=n, message=text)
            await asyncio.sleep(0.02)
        return text

    @server.tool()
    async def ask(ctx: Context) -> str:
        answer = await ctx.elicit(
            "Name?", schema={"type": "object", "properties": {"name": {"type": "string"}}}
        )
        reply = await ctx.sample("Say hi", max_tokens=5)
        text = reply.content.text if isinstance(reply.content, t.TextContent) else "?"
        return f"{answer.action}:{(answer.content or {}).get('name')}:{text}"

    @server.tool()
    async def roots(ctx: Context) -> str:
        result = await ctx.list_roots()
        return ",".join(r.uri for r in result.roots)

    @server.tool()
    async def hang(ctx: Context) -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append("hang")
            raise
        return "never"

    @server.tool()
    async def was_cancelled() -> str:
        return ",".join(cancelled)

    @server.tool()
    async def die() -> str:
        os._exit(3)

    @server.tool()
    async def huge(kib: int) -> str:
        return "x" * (kib * 1024)

    @server.tool()
    async def garble(ctx: Context, kind: str) -> str:
        """Send a malformed message on this connection's transport first, then answer:
        ``line`` a line that is not JSON, ``result`` a response to this very request whose
        result is not an object, ``envelope`` one with neither result nor error."""
        rid = msgspec.json.encode(ctx.request_id).decode()
        line = {
            "line": "this is not JSON {",
            "result": f'{{"jsonrpc":"2.0","id":{rid},"result":42}}',
            "envelope": f'{{"jsonrpc":"2.0","id":{rid}}}',
        }[kind]
        await ctx.session.transport.send(line.encode())
        return "garbled"

    @server.tool()
    async def touch(uri: str) -> str:
        server.resource_updated(uri)
        return "touched"

    @server.tool()
    async def grow(name: str) -> str:
        server.add_tool(lambda: "new", name=name)
        return "grown"

    @server.resource("notes://{name}", mime_type="text/plain")
    async def note(name: str) -> str:
        return f"note {name}"

    @server.resource("file:///readme.txt", name="readme")
    async def readme() -> str:
        return "read me"

    @server.prompt(completions={"name": ["Ada", "Bo"]})
    def greet(name: str) -> str:
        """Greet someone."""
        return f"Hello {name}"

    return server


class HandshakeOnly:
    """Serves ``server`` in the handshake era only (a 2025-era server)."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def accept(self, transport: Any) -> object:
        return self.server.accept(transport, supported_versions=HANDSHAKE_VERSIONS)


async def _serve(server: Server, versions: tuple[str, ...]) -> None:
    from mcplite._io.stdio import stdio_server_transport

    async with stdio_server_transport() as transport:
        session = server.accept(transport, supported_versions=versions)
        await session.wait_closed()
        await session.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--handshake-only", action="store_true")
    parser.add_argument("--name", default="backend")
    parser.add_argument("--extra-tool", default=None, help="also offer a tool of this name")
    args = parser.parse_args(argv)
    versions = HANDSHAKE_VERSIONS if args.handshake_only else t.SUPPORTED_PROTOCOL_VERSIONS
    server = build(args.name)
    if args.extra_tool:
        server.add_tool(lambda: "extra", name=args.extra_tool)
    asyncio.run(_serve(server, versions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
