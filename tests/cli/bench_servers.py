"""Misbehaving servers for the ``mcplite bench`` tests (run as ``python bench_servers.py``).

``tick`` blocks the whole event loop for ``STALL_SECONDS`` every ``STALL_EVERY`` calls (a
stop-the-world pause, like a long GC); ``flaky`` fails every ``FLAKY_EVERY``-th call with
``isError``; ``doomed`` kills the process on its ``DOOMED_AFTER``-th call; ``slow`` sleeps
(without blocking) for its ``seconds`` argument.
"""

from __future__ import annotations

import asyncio
import os
import time

from mcplite import Server, ToolError

STALL_EVERY = int(os.environ.get("STALL_EVERY", "100"))
STALL_SECONDS = float(os.environ.get("STALL_SECONDS", "0.1"))
FLAKY_EVERY = 5
DOOMED_AFTER = int(os.environ.get("DOOMED_AFTER", "50"))

server = Server("bench-test-server", version="1.0.0")
counts = {"tick": 0, "flaky": 0, "doomed": 0}


@server.tool()
async def tick() -> str:
    """Answer at once, but stall the whole process every STALL_EVERY calls."""
    counts["tick"] += 1
    if counts["tick"] % STALL_EVERY == 0:
        time.sleep(STALL_SECONDS)  # noqa: ASYNC251 - blocks the loop on purpose: all calls wait
    return "ok"


@server.tool()
async def flaky() -> str:
    """Fail every FLAKY_EVERY-th call (the first succeeds)."""
    counts["flaky"] += 1
    if counts["flaky"] % FLAKY_EVERY == 0:
        raise ToolError("flaky failed on purpose")
    return "ok"


@server.tool()
async def doomed() -> str:
    """Exit the process on the DOOMED_AFTER-th call: the server dies mid-run."""
    counts["doomed"] += 1
    if counts["doomed"] >= DOOMED_AFTER:
        os._exit(1)
    return "ok"


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep without blocking."""
    await asyncio.sleep(seconds)
    return "ok"


if __name__ == "__main__":
    server.run()
