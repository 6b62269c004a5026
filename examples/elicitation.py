"""Server->client requests in both eras: elicitation, sampling and roots.

One tool asks the user for confirmation (elicitation), asks the client's model for a haiku
(sampling) and looks at the client's roots.  The same handler code works when the client
speaks the handshake era (real requests to the client) and 2026-07-28 (multi round-trip
requests: the tool answers ``input_required``, the client retries with the answers, and the
handler runs again from the top).  Runs in memory and exits:

    python examples/elicitation.py
"""

from __future__ import annotations

import asyncio

import msgspec

import mcplite
from mcplite import Context, Server, types

server = Server("publisher")


class Confirm(msgspec.Struct):
    ok: bool
    reason: str = ""


@server.tool()
async def publish(ctx: Context, title: str) -> str:
    """Publish a post after the user confirms it."""
    roots = await ctx.list_roots()
    answer = await ctx.elicit(f"Publish {title!r}?", schema=Confirm)
    if answer.action != "accept" or not isinstance(answer.content, dict):
        return "not published"
    if not answer.content.get("ok"):
        return f"not published: {answer.content.get('reason', '')}"
    poem = await ctx.sample(f"Write a haiku about {title}", max_tokens=50)
    text = poem.content.text if isinstance(poem.content, types.TextContent) else "?"
    return f"published {title!r} to {roots.roots[0].uri} with {text!r}"


# ---------------------------------------------------------------- the client's handlers


async def confirm(params: types.ElicitParams) -> types.ElicitResult:
    # A real client shows params.message and a form built from params.requested_schema.
    return types.ElicitResult(action="accept", content={"ok": True})


async def model(params: types.CreateMessageParams) -> types.CreateMessageResult:
    # A real client asks its LLM (after letting the user review the request).
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(text="quiet words arrive"),
        model="example-model",
    )


ROOTS = [types.Root(uri="file:///srv/blog", name="blog")]


async def main() -> None:
    for version in ("2025-11-25", None):  # the handshake era, then the newest (2026-07-28)
        async with mcplite.connect(
            server, protocol_version=version, elicitation=confirm, sampling=model, roots=ROOTS
        ) as client:
            result = await client.call_tool("publish", {"title": "hello"})
            print(client.protocol_version, "->", result.text)


if __name__ == "__main__":
    asyncio.run(main())
