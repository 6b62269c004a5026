"""Echo server on mcplite (public API only).

    python -m benchmarks.servers.mcplite_echo stdio [--loop uvloop]
    python -m benchmarks.servers.mcplite_echo http --port N [--sse] [--loop uvloop]

Scale cells add ``--max-message-bytes N`` (the stdio line / HTTP body limit), ``--tools N``
(echo and N - 1 more tools, all on one ``tools/list`` page as the floor sends them) and
``--scale`` (session, connection and in-flight caps raised so 1,000 idle sessions or 256
calls in flight from one loopback peer are admitted; DESIGN.md §8 keeps the defaults lower).

``build_server()`` is also used in-process by the in-memory cells.
"""

from __future__ import annotations

import argparse
from typing import Any


def api_missing() -> str | None:
    """Why mcplite's public API cannot run these benchmarks yet, or None when it can."""
    try:
        import mcplite
    except ImportError as exc:  # pragma: no cover - depends on the tree
        return f"cannot import mcplite: {exc}"
    missing = [name for name in ("Server", "connect") if not hasattr(mcplite, name)]
    if missing:
        return "mcplite has no " + " / ".join(f"mcplite.{n}" for n in missing) + " yet"
    return None


# What --scale raises: at least the 1,000 sessions / 256 in flight of the scale cells.
SCALE_LIMIT = 4096


def _extra_tool() -> Any:
    async def extra(text: str, count: int = 1) -> str:
        """Repeat text count times."""
        return text * count

    return extra


def build_server(tools: int = 1, scale: bool = False) -> Any:
    from mcplite import Server

    options: dict[str, Any] = {"page_size": max(tools, 100)}
    if scale:
        options["max_in_flight"] = SCALE_LIMIT
    server = Server("bench", version="1.0.0", **options)

    @server.tool()
    async def echo(text: str) -> str:
        return text

    for i in range(1, tools):
        server.tool(name=f"tool_{i:04d}")(_extra_tool())
    return server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers.mcplite_echo")
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sse", action="store_true", help="answer POSTs with SSE, not JSON")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--max-message-bytes", type=int, default=0, help="0: the default")
    parser.add_argument("--tools", type=int, default=1, help="tools registered (echo + N - 1)")
    parser.add_argument("--scale", action="store_true", help="raise session/connection caps")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    server = build_server(args.tools, args.scale)
    if args.transport == "stdio":
        stdio: dict[str, Any] = {}
        if args.max_message_bytes:
            stdio["max_line_bytes"] = args.max_message_bytes
        server.run(**stdio)
    else:
        http: dict[str, Any] = {}
        if args.max_message_bytes:
            http["max_body_bytes"] = args.max_message_bytes
        if args.scale:
            http.update(
                max_sessions=SCALE_LIMIT,
                max_sessions_per_peer=SCALE_LIMIT,
                max_connections=SCALE_LIMIT,
                max_connections_per_peer=SCALE_LIMIT,
            )
        server.run(
            "streamable-http",
            host=args.host,
            port=args.port,
            stateless=False,
            json_response=not args.sse,
            **http,
        )


if __name__ == "__main__":
    main()
