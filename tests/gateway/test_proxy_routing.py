"""What a backend sends for one of several concurrent 2026-07-28 requests sharing its
connection reaches that request's client, and only it: log messages by the request the
transport read them for (streamable HTTP) or through log lanes (stdio, in memory: one
request that asked for log messages per connection), progress by its token."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite._server.streamable_run import StreamableHTTPServer
from tests.gateway.backend import build

BACKEND = str(Path(__file__).with_name("backend.py"))
ROOT = str(Path(__file__).resolve().parents[2])
FRONTS = 3
STEPS = 5


class Logs:
    """The log messages one client received; ``full`` is set once it has ``n``."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.data: list[str] = []
        self.full = asyncio.Event()

    def __call__(self, params: Any) -> None:
        self.data.append(params.data)
        if len(self.data) >= self.n:
            self.full.set()


@asynccontextmanager
async def _gateway(kind: str, **options: Any) -> AsyncIterator[mcplite.ProxyServer]:
    async with AsyncExitStack() as stack:
        if kind == "stdio":
            env = {**os.environ, "PYTHONPATH": ROOT}
            target: Any = [sys.executable, BACKEND]
            options["connect_options"] = {"env": env}
        elif kind == "http":
            srv = await stack.enter_async_context(StreamableHTTPServer(build()))
            target = f"http://127.0.0.1:{srv.port}/mcp"
        else:
            target = build()
        gw = await stack.enter_async_context(mcplite.proxy(target, name="gw", **options))
        yield gw


@pytest.mark.parametrize("kind", ["stdio", "http", "memory"])
async def test_concurrent_requests_each_get_their_own_logs_and_progress(kind: str) -> None:
    logs = [Logs(STEPS) for _ in range(FRONTS)]
    progress: list[list[tuple[float, str | None]]] = [[] for _ in range(FRONTS)]

    async def front(gw: mcplite.ProxyServer, i: int) -> str:
        async with mcplite.connect(
            gw,
            protocol_version="2026-07-28",
            log_level="info",
            on_logging_message=logs[i],
        ) as client:
            result = await client.call_tool(
                "chatter",
                {"text": f"front{i}", "n": STEPS},
                on_progress=lambda v, total, m: progress[i].append((v, m)),
            )
            # Logs are notifications: they may trail the result by a loop turn or two.
            async with asyncio.timeout(5):
                await logs[i].full.wait()
            return result.content[0].text  # type: ignore[union-attr]

    async with _gateway(kind) as gw:
        async with asyncio.timeout(30):
            texts = await asyncio.gather(*(front(gw, i) for i in range(FRONTS)))
        lanes = len(gw._lanes)
    assert texts == [f"front{i}" for i in range(FRONTS)]
    for i in range(FRONTS):
        assert logs[i].data == [f"front{i} {k}" for k in range(STEPS)]
        assert progress[i] == [(k + 1, f"front{i}") for k in range(STEPS)]
    # HTTP relates each message to its request: no extra backend connection.
    assert lanes == 0 if kind == "http" else 1 <= lanes <= FRONTS - 1


async def test_log_lanes_are_bounded_and_waiting_calls_get_their_turn() -> None:
    logs = [Logs(2) for _ in range(FRONTS)]

    async def front(gw: mcplite.ProxyServer, i: int) -> None:
        async with mcplite.connect(
            gw,
            protocol_version="2026-07-28",
            log_level="info",
            on_logging_message=logs[i],
        ) as client:
            await client.call_tool("chatter", {"text": f"f{i}", "n": 2})
            async with asyncio.timeout(5):
                await logs[i].full.wait()

    async with _gateway("memory", max_log_lanes=1) as gw:
        async with asyncio.timeout(30):
            await asyncio.gather(*(front(gw, i) for i in range(FRONTS)))
        assert len(gw._lanes) == 1
    assert [log.data for log in logs] == [[f"f{i} 0", f"f{i} 1"] for i in range(FRONTS)]
    with pytest.raises(ValueError, match="max_log_lanes must be >= 0"):
        mcplite.proxy(build(), max_log_lanes=-1)
