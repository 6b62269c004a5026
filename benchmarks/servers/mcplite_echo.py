"""Echo server on mcplite (public API only).

    python -m benchmarks.servers.mcplite_echo stdio [--loop uvloop]
    python -m benchmarks.servers.mcplite_echo http --port N [--sse] [--loop uvloop]

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


def build_server() -> Any:
    from mcplite import Server

    server = Server("bench", version="1.0.0")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    return server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers.mcplite_echo")
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sse", action="store_true", help="answer POSTs with SSE, not JSON")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    server = build_server()
    if args.transport == "stdio":
        server.run()
    else:
        server.run(
            "streamable-http",
            host=args.host,
            port=args.port,
            stateless=False,
            json_response=not args.sse,
        )


if __name__ == "__main__":
    main()
