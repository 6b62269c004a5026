"""``Server(lifespan=...)``: state held for the process's life (a database pool, a client).

``lifespan(server)`` returns an async context manager; its yielded value is what handlers
read as ``ctx.lifespan`` (FastMCP/official SDK: ``ctx.request_context.lifespan_context``).
``server.run()`` enters it once before serving (stdio and HTTP) and exits it on shutdown,
also after errors; a startup failure ends ``run()`` with one clear line on stderr and exit
status 1.  An embedding program uses ``async with server.lifespan_scope(): ...``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable
from typing import Any

EXIT_STARTUP_FAILED = 1


@contextlib.asynccontextmanager
async def lifespan_scope(server: Any) -> AsyncIterator[Any]:
    """Enter ``server.lifespan`` (if any) once; ``server.lifespan_state`` holds its value."""
    factory = server.lifespan
    if factory is None or server.lifespan_entered:
        yield server.lifespan_state
        return
    manager = factory(server)
    try:
        state = await manager.__aenter__()
    except Exception as exc:
        raise LifespanStartupError(server.info.name, exc) from exc
    server.lifespan_state, server.lifespan_entered = state, True
    try:
        yield state
    except BaseException as exc:
        if not await manager.__aexit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        await manager.__aexit__(None, None, None)
    finally:
        server.lifespan_state, server.lifespan_entered = None, False


class LifespanStartupError(Exception):
    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(f"{name}: the lifespan failed at startup: {type(cause).__name__}: {cause}")


async def serving(server: Any, main: Awaitable[Any]) -> Any:
    """Run ``main`` (the serving coroutine) inside the lifespan."""
    try:
        async with lifespan_scope(server):
            return await main
    finally:
        if hasattr(main, "close"):
            main.close()  # never started when the lifespan failed: no "never awaited"


def startup_failed(exc: LifespanStartupError) -> None:
    print(f"mcplite: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_STARTUP_FAILED) from None
