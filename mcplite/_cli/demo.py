"""``python -m mcplite demo``: spawn the demo server over stdio and talk to it."""

from __future__ import annotations

import sys
import time


async def demo(protocol_version: str | None) -> int:
    from .._client.connect import connect  # lazy: CLI: the client stack only for `mcplite demo`

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
