"""Serve MCP over streamable HTTP with the built-in asyncio HTTP server.

    python examples/http_server.py                 # http://127.0.0.1:8000/mcp
    python examples/http_server.py --port 9000 --stateless

then, from another terminal::

    python -m mcplite list http://127.0.0.1:8000/mcp

One endpoint serves every protocol revision: handshake-era clients get an
``Mcp-Session-Id`` (unless ``--stateless``), 2026-07-28 clients need no session at all.
"""

from __future__ import annotations

import argparse
import os

from mcplite import Context, Server

# requestState (2026-07-28 multi round-trip requests) is sealed with this key; every worker
# behind one load balancer must share it.  Unset: a random per-process key.
server = Server("clock", version="1.0.0", state_key=os.environ.get("MCP_STATE_KEY"))


@server.tool()
async def echo(ctx: Context, text: str) -> str:
    """Echo a text back, logging it on the way."""
    await ctx.log("info", f"echoing {len(text)} characters")
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stateless", action="store_true", help="no Mcp-Session-Id")
    args = parser.parse_args()
    # Blocks until Ctrl-C.  The endpoint is http://HOST:PORT/mcp.
    server.run("streamable-http", host=args.host, port=args.port, stateless=args.stateless)


if __name__ == "__main__":
    main()
