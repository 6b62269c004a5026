"""Misbehaving servers for the ``mcplite bench`` tests (run as ``python bench_servers.py``).

``tick`` blocks the whole event loop for ``STALL_SECONDS`` every ``STALL_EVERY`` calls (a
stop-the-world pause, like a long GC); ``flaky`` fails every ``FLAKY_EVERY``-th call with
``isError``; ``doomed`` kills the process on its ``DOOMED_AFTER``-th call; ``slow`` sleeps
(without blocking) for its ``seconds`` argument; ``moody`` answers a JSON-RPC error on
every ``MOODY_RPC_EVERY``-th call and outlives any short timeout on every
``MOODY_SLOW_EVERY``-th; ``sized`` answers ``size`` bytes of text whatever it was sent;
``logged`` appends "PID SESSION" to the file named by ``BENCH_LOG`` (which process, which
session served the call).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from mcplite import Context, RPCError, Server, ToolError

STALL_EVERY = int(os.environ.get("STALL_EVERY", "100"))
STALL_SECONDS = float(os.environ.get("STALL_SECONDS", "0.1"))
FLAKY_EVERY = 5
DOOMED_AFTER = int(os.environ.get("DOOMED_AFTER", "50"))
MOODY_RPC_EVERY = 7
MOODY_RPC_CODE = -32050
MOODY_SLOW_EVERY = 11
MOODY_SLOW_SECONDS = 2.0

server = Server("bench-test-server", version="1.0.0")
counts = {"tick": 0, "flaky": 0, "doomed": 0, "moody": 0}


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


@server.tool()
async def moody() -> str:
    """A JSON-RPC error every MOODY_RPC_EVERY-th call, a long sleep every MOODY_SLOW_EVERY-th
    (the first call succeeds)."""
    counts["moody"] += 1
    if counts["moody"] % MOODY_RPC_EVERY == 0:
        raise RPCError(MOODY_RPC_CODE, "moody refused on purpose")
    if counts["moody"] % MOODY_SLOW_EVERY == 0:
        await asyncio.sleep(MOODY_SLOW_SECONDS)
    return "ok"


@server.tool()
async def sized(text: str, size: int) -> str:
    """``size`` characters back, whatever ``text`` was: bytes each way set apart."""
    return "x" * size


@server.tool()
async def logged(ctx: Context) -> str:
    """Note which process and which session (a token kept in its session state) served it."""
    token = ctx.session_state.setdefault("token", uuid.uuid4().hex)
    # One short appended line (atomic with O_APPEND, whichever process writes it).
    with open(os.environ["BENCH_LOG"], "a", encoding="utf-8") as f:  # noqa: ASYNC230
        f.write(f"{os.getpid()} {token}\n")
    return "ok"


if __name__ == "__main__":
    server.run()
