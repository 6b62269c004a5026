"""A worker for the shared-session tests: ``python tests/server/shared_worker.py PORT REDIS_URL``.

``build()`` is also used in process (several workers on one ``MemoryStore``).  Tools:
``echo``; ``shout`` (a notification unrelated to any request: the standalone GET stream);
``ask`` (``ctx.elicit``); ``muse`` (``ctx.sample``); ``poll`` (SEP-1699: closes its SSE
stream, then finishes);
``touch`` (``server.resource_updated``); ``slow`` (waits until cancelled); the task
tools ``long_job`` (waits until cancelled) and ``ask_job`` (``ctx.elicit`` in a task);
``gated`` (logs, waits for a file, logs, waits for another: the test decides when);
``say`` (``ctx.log`` on the request's own stream).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from mcplite import Context, Server, types as t
from mcplite._auth.bearer import TokenInfo
from mcplite._server.bearer import RequireBearerToken, StaticTokenVerifier
from mcplite._server.streamable_run import close_sse_stream

TOKENS = {
    "alice-token": TokenInfo(subject="alice", client_id="c", scopes=frozenset()),
    "bob-token": TokenInfo(subject="bob", client_id="c", scopes=frozenset()),
}


CANCELLED: list[str] = []  # task handlers cancelled in this process


def build(store: Any) -> Server:
    server = Server("shared", store=store)

    @server.tool()
    def echo(text: str) -> str:
        return text

    @server.tool()
    async def shout(ctx: Context, text: str, times: int = 1) -> str:
        for _ in range(times):
            params = t.LoggingMessageNotificationParams(level="info", data=text)
            await ctx.session.notify("notifications/message", params)
        return "shouted"

    @server.tool()
    async def ask(ctx: Context) -> str:
        answer = await ctx.elicit(
            "name?", {"type": "object", "properties": {"n": {"type": "string"}}}
        )
        return f"{answer.action}:{(answer.content or {}).get('n')}"

    @server.tool()
    async def muse(ctx: Context) -> str:
        reply = await ctx.sample("one word", max_tokens=5)
        return f"{reply.model}:{getattr(reply.content, 'text', '?')}"

    @server.tool()
    async def poll(ctx: Context) -> str:
        await ctx.log("info", "before")
        assert close_sse_stream(ctx, 50)
        await asyncio.sleep(0.2)
        await ctx.log("info", "after")
        return "polled"

    @server.tool()
    async def gated(ctx: Context, path: str, pad: int = 0) -> str:
        await ctx.log("info", "before" + "x" * pad)
        await until_exists(path + ".1")
        await ctx.log("info", "after")
        await until_exists(path + ".2")
        return "gated"

    @server.tool()
    async def say(ctx: Context, text: str, times: int = 1) -> str:
        for _ in range(times):
            await ctx.log("info", text)
        return "said"

    @server.tool()
    def touch(uri: str) -> str:
        server.resource_updated(uri)
        return "touched"

    @server.tool()
    async def slow() -> str:
        await asyncio.sleep(3600)
        return "never"

    @server.tool(task_support="optional")
    async def long_job() -> str:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            CANCELLED.append("long_job")
            raise
        return "never"

    @server.tool(task_support="optional")
    async def ask_job(ctx: Context) -> str:
        answer = await ctx.elicit(
            "name?", {"type": "object", "properties": {"n": {"type": "string"}}}
        )
        return f"{answer.action}:{(answer.content or {}).get('n')}"

    @server.tool()
    def cancelled_here() -> str:
        return ",".join(CANCELLED)

    @server.resource("note://{name}")
    def note(name: str) -> str:
        return f"note {name}"

    return server


def exists(path: str) -> bool:
    return os.path.exists(path)


async def until_exists(path: str, seconds: float = 20.0) -> None:
    """Bounded: a test that forgets the file fails the call instead of leaving it running."""
    for _ in range(int(seconds / 0.02)):
        if exists(path):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{path} did not appear within {seconds} s")


def option(name: str) -> float | None:
    return float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else None


def auth() -> RequireBearerToken:
    return RequireBearerToken(StaticTokenVerifier(TOKENS))


def main() -> None:
    from mcplite._server.redis_store import RedisStore

    port, url = int(sys.argv[1]), sys.argv[2]
    options: dict[str, Any] = {}
    if "--auth" in sys.argv:
        options["auth"] = auth()
    # --revalidate-always: read the record on every request (the fault tests expect a 503 at once).
    revalidate = 0.0 if "--revalidate-always" in sys.argv else 1.0
    # --max-sessions N: the store's cap on live sessions, every worker together.
    cap = option("--max-sessions")
    store = RedisStore(
        url, max_events_per_stream=16, timeout=0.5, retry_max=0.2, revalidate_after=revalidate
    )
    if cap is not None:
        store.max_sessions = int(cap)
    # --heartbeat S, --resume-wait S, --max-event-bytes N, --max-stream-bytes N: store options.
    for flag, attr in (("--heartbeat", "heartbeat"), ("--resume-wait", "resume_wait")):
        if (value := option(flag)) is not None:
            setattr(store, attr, value)
    for flag, attr in (
        ("--max-event-bytes", "max_event_bytes"),
        ("--max-stream-bytes", "max_stream_bytes"),
    ):
        if (value := option(flag)) is not None:
            setattr(store, attr, int(value))
    build(store).run("streamable-http", host="127.0.0.1", port=port, **options)


if __name__ == "__main__":
    main()
