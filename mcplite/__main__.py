"""Command line: ``python -m mcplite demo`` (and ``mcplite`` as a console script)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence


async def _demo(protocol_version: str | None) -> int:
    from ._connect import connect

    command = [sys.executable, "-m", "mcplite", "demo-server"]
    print(f"$ spawning the demo server: {' '.join(command)}")
    started = time.perf_counter()
    async with connect(command, protocol_version=protocol_version, name="mcplite-demo") as client:
        elapsed = (time.perf_counter() - started) * 1000
        info = client.server_info
        print(
            f"connected to {info.name if info else '?'} {info.version if info else ''} "
            f"over stdio, protocol {client.protocol_version} ({elapsed:.0f} ms)"
        )
        tools = await client.list_all_tools()
        for tool in tools:
            print(f"  tool {tool.name}: {tool.description or ''}")
        result = await client.call_tool("add", {"a": 2, "b": 3})
        print(f"add(a=2, b=3) -> structured {result.structured_content}, text {_text(result)!r}")
        result = await client.call_tool(
            "greet",
            {"name": "mcplite"},
            on_progress=lambda p, total, msg: print(f"  progress {p}/{total}: {msg}"),
        )
        print(f"greet(name='mcplite') -> {_text(result)!r}")
        bad = await client.call_tool("add", {"a": 2, "b": "three"})
        print(f"add(a=2, b='three') -> isError={bad.is_error}: {_text(bad)!r}")
    print("closed the session; the server exited")
    return 0


def _text(result: object) -> str:
    content = getattr(result, "content", [])
    return " ".join(getattr(c, "text", "") for c in content)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mcplite", description="mcplite command line")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="spawn the demo server over stdio and talk to it")
    demo.add_argument(
        "--protocol-version",
        default=None,
        help="pin a protocol revision (default: negotiate, newest first)",
    )
    sub.add_parser("demo-server", help="run the demo server on stdin/stdout")
    args = parser.parse_args(argv)
    if args.command == "demo-server":
        from ._demo_server import main as serve

        serve()
        return 0
    return asyncio.run(_demo(args.protocol_version))


if __name__ == "__main__":
    sys.exit(main())
