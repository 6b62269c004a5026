"""The tasks every Python client runner performs, written once over a small adapter.

A runner is a fresh process started by ``benchmarks.__main__`` with one JSON spec argument; it
prints ``RESULT {json}`` as its last line. Stdlib only (see ``_loop``).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from . import _loop

RSS_CALLS = 1000
SETTLE_SECONDS = 0.3


class Session(Protocol):
    async def call_echo(self, text: str) -> str: ...

    async def list_tools(self) -> int:
        """tools/list (one page); the number of tools it listed."""
        ...


class Adapter(Protocol):
    def open(self, spec: dict[str, Any]) -> contextlib.AbstractAsyncContextManager[Session]: ...


async def _check(session: Session, text: str) -> None:
    got = await session.call_echo(text)
    if got != text:
        raise SystemExit(f"echo returned {len(got)} chars, expected {len(text)}: {got[:80]!r}")


async def _check_listing(session: Session, expected: int) -> None:
    got = await session.list_tools()
    if got != expected:
        raise SystemExit(f"tools/list listed {got} tools, expected {expected}")


async def run_task(adapter: Adapter, spec: dict[str, Any]) -> dict[str, Any]:
    task = spec["task"]
    if task == "throughput":
        text = _loop.payload(spec["payload_bytes"])
        async with adapter.open(spec) as session:
            call: Callable[[], Awaitable[object]]
            if spec.get("method", "call") == "list":
                await _check_listing(session, spec.get("tools", 1))
                call = session.list_tools
            else:
                await _check(session, text)

                def call() -> Awaitable[object]:
                    return session.call_echo(text)

            return await _loop.throughput(
                call,
                spec["concurrency"],
                spec["warmup_seconds"],
                spec["duration_seconds"],
            )
    if task == "cold":
        times: list[float] = []
        for _ in range(spec.get("count", 5) + 1):
            t0 = time.perf_counter()
            async with adapter.open(spec) as session:
                listed = await session.list_tools()
                times.append(time.perf_counter() - t0)
            if listed != spec.get("tools", 1):
                raise SystemExit(
                    f"tools/list listed {listed} tools, expected {spec.get('tools', 1)}"
                )
        # The first spawn warms the page cache for every later one; drop it.
        return {"cold_ms": statistics.median(times[1:]) * 1e3}
    if task == "rss":
        text = _loop.payload(16)
        async with adapter.open(spec) as session:
            for _ in range(RSS_CALLS):
                await session.call_echo(text)
            await asyncio.sleep(SETTLE_SECONDS)
            return {"rss_kib": _loop.descendants_rss_kib()}
    if task == "sessions":
        pid = spec["server_pid"]
        count = spec.get("sessions", 100)
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(adapter.open(spec))
            await first.list_tools()
            await asyncio.sleep(SETTLE_SECONDS)
            rss1 = _loop.rss_kib(pid)
            for _ in range(count - 1):
                session = await stack.enter_async_context(adapter.open(spec))
                await session.list_tools()
            await asyncio.sleep(SETTLE_SECONDS)
            rssn = _loop.rss_kib(pid)
        return {
            "rss1_kib": rss1,
            "rssn_kib": rssn,
            "sessions": count,
            "per_session_kib": (rssn - rss1) / (count - 1),
        }
    raise SystemExit(f"unknown task {task!r}")


def main(make_adapter: Callable[[dict[str, Any]], Adapter]) -> None:
    spec = _loop.load_spec()
    adapter = make_adapter(spec)
    _loop.run(lambda: run_task(adapter, spec), spec.get("loop", "asyncio"))
