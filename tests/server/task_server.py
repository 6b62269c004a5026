"""The tasks tests' server: ``python tests/server/task_server.py`` serves it over stdio.

``make_server()`` is also used in process (in memory and over loopback HTTP), so the client
handle meets the same tools on every transport.  Tools: ``greet`` (not a task); ``slow``
(``ctx.progress``, then sleeps ``seconds``); ``confirm`` (one ``ctx.elicit``, a task only);
``broken`` (a protocol error: ``failed``); ``tool_error`` (an ``isError`` result:
``completed``); ``deferred`` (``defer_task``: optionally a progress notification while still
an ordinary call, which turns a 2026-07-28 HTTP answer into SSE, then ``ctx.start_task()``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcplite import Context, RPCError, Server, ToolError


def make_server(**options: Any) -> Server:
    server = Server("tasks", **options)

    @server.tool()
    def greet(name: str) -> str:
        return f"Hello, {name}!"

    @server.tool(task_support="optional")
    async def slow(ctx: Context, seconds: float = 0.0) -> str:
        await ctx.progress(1, total=2, message="half way")
        await asyncio.sleep(seconds)
        return f"slept {seconds:g}"

    @server.tool(task_support="required")
    async def confirm(ctx: Context, what: str) -> str:
        r = await ctx.elicit(f"Delete {what}?", {"type": "object", "properties": {}})
        return f"{r.action} {what}"

    @server.tool(task_support="required")
    async def broken() -> str:
        raise RPCError(-32603, "deliberately broken")

    @server.tool(task_support="optional")
    async def tool_error() -> str:
        raise ToolError("nope")

    @server.tool(task_support="optional", defer_task=True)
    async def deferred(ctx: Context, notify: bool = False) -> str:
        if notify:
            # Still an ordinary call: a notifications/progress related to the request,
            # which a 2026-07-28 HTTP server can only send by answering with SSE.
            await ctx.progress(1, total=2, message="before the task")
        await ctx.start_task()
        await asyncio.sleep(0.01)
        return "deferred done"

    return server


if __name__ == "__main__":
    make_server().run()
