"""An mcplite server for the peers' clients: server->client round trips, cancellation, pages.

    python mcplite_server.py --stdio
    python mcplite_server.py --http 127.0.0.1:PORT [--stateless]

Tools: `roots` (asks roots/list), `ask` (sampling then elicitation), `hang` (one progress
notification, then waits to be cancelled), `counts` (how many `hang` calls were cancelled and
how many notifications/roots/list_changed arrived), and `page_0`..`page_4` so that a page size
of 2 makes tools/list span three pages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mcplite import Context, Server

HANG_SECONDS = 30.0


def build_server() -> Server:
    server = Server("mcplite-interop-peer", page_size=2)
    counts = {"cancelled": 0, "roots_list_changed": 0}

    @server.tool()
    async def roots(ctx: Context) -> str:
        """The client's roots, asked with roots/list."""
        listed = await ctx.list_roots()
        return json.dumps([root.uri for root in listed.roots])

    @server.tool()
    async def ask(ctx: Context) -> str:
        """Asks the client's model, then the user."""
        sampled = await ctx.sample("Say pong", max_tokens=10)
        text = getattr(sampled.content, "text", "")
        schema = {"type": "object", "properties": {"name": {"type": "string"}}}
        answer = await ctx.elicit("Your name?", schema)
        return f"model={sampled.model} text={text} action={answer.action} content={answer.content}"

    @server.tool()
    async def hang(ctx: Context) -> str:
        """Reports progress once, then waits until it is cancelled."""
        await ctx.progress(1, 2, "started")
        try:
            await asyncio.sleep(HANG_SECONDS)
        except asyncio.CancelledError:
            counts["cancelled"] += 1
            raise
        return "not cancelled"

    @server.tool("counts")
    def counts_tool() -> str:
        """What the server has seen."""
        return json.dumps(counts)

    for index in range(5):

        def page(index: int = index) -> str:
            return f"page {index}"

        server.add_tool(page, name=f"page_{index}")

    async def roots_changed(session: Any, event: Any) -> None:
        counts["roots_list_changed"] += 1

    server.on_notification("notifications/roots/list_changed", roots_changed)
    return server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--http", metavar="HOST:PORT")
    parser.add_argument("--stateless", action="store_true")
    args = parser.parse_args()
    server = build_server()
    if args.http:
        host, _, port = args.http.rpartition(":")
        server.run("streamable-http", host=host, port=int(port), stateless=args.stateless)
        return 0
    asyncio.run(server.serve_stdio())
    return 0


if __name__ == "__main__":
    sys.exit(main())
