"""An ASGI app whose Server has a lifespan, for tests/server/test_asgi_lifespan.py.

uvicorn --factory asgi_lifespan_app:make_app, with MCPLITE_TEST_LIFESPAN_LOG=FILE and
optionally MCPLITE_TEST_LIFESPAN_FAIL=1 (the lifespan raises at startup).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from mcplite import Context, Server
from mcplite._server.asgi import asgi_app


def _note(word: str) -> None:
    with open(os.environ["MCPLITE_TEST_LIFESPAN_LOG"], "a") as f:
        f.write(f"{word} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def lifespan(server: Server) -> AsyncIterator[dict[str, Any]]:
    _note("enter")
    if os.environ.get("MCPLITE_TEST_LIFESPAN_FAIL"):
        raise RuntimeError("database unreachable")
    try:
        yield {"pid": os.getpid()}
    finally:
        _note("exit")


def make_app() -> Any:
    server = Server("held", lifespan=lifespan)

    @server.tool()
    def whoami(ctx: Context) -> str:
        return f"lifespan of {ctx.lifespan['pid']}"

    return asgi_app(server, stateless=True)
