"""The demo server ``python -m mcplite demo`` spawns (also: ``python -m mcplite demo-server``)."""

from __future__ import annotations

from .._server.context import Context
from .._server.server import Server


def build() -> Server:
    server = Server(
        "mcplite-demo",
        version="1.0.0",
        instructions="A tiny demo server: arithmetic and a greeting.",
    )

    @server.tool()
    async def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    async def greet(ctx: Context, name: str = "world") -> str:
        """Greet someone, reporting progress on the way."""
        await ctx.progress(1, total=1, message="greeting")
        return f"Hello, {name}!"

    return server


def main() -> None:
    build().run()
