"""A stdio server with a lifespan, for tests/server/test_lifespan.py.

python lifespan_server.py LOG [fail | http PORT]
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from mcplite import Context, Server

LOG = sys.argv[1]


def _note(word: str) -> None:
    with open(LOG, "a") as f:
        f.write(word + "\n")


@contextlib.asynccontextmanager
async def lifespan(server: Server) -> AsyncIterator[dict[str, Any]]:
    _note("enter")
    if sys.argv[2:] == ["fail"]:
        raise RuntimeError("database unreachable")
    try:
        yield {"greeting": f"hello from {server.info.name}"}
    finally:
        _note("exit")


server = Server("held", lifespan=lifespan)


@server.tool()
def greet(ctx: Context) -> str:
    return str(ctx.lifespan["greeting"])


@server.tool()
def boom() -> str:
    raise RuntimeError("the tool failed")


if __name__ == "__main__":
    if sys.argv[2:3] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[3]))
    else:
        server.run()
