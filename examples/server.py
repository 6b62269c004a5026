"""A small but complete MCP server: tools, resources, a prompt, completion, progress, logging.

Run it over stdio (what desktop hosts and ``mcplite.connect([...])`` expect)::

    python examples/server.py

or talk to it from the command line, which spawns it for you::

    python -m mcplite list examples/server.py
    python -m mcplite call examples/server.py add a=2 b=3
    python -m mcplite run examples/server.py --http 127.0.0.1:8000   # streamable HTTP
"""

from __future__ import annotations

import msgspec

from mcplite import Context, RPCError, Server, ToolError

server = Server("notes", version="1.0.0", instructions="Arithmetic and a tiny note store.")

NOTES = {"welcome": "Hello from mcplite.", "todo": "Write the docs."}


@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def divide(a: float, b: float) -> float:
    """Divide a by b (a plain function: it runs in a worker thread)."""
    if b == 0:
        raise ToolError("cannot divide by zero")  # -> a result with isError, not a crash
    return a / b


class Summary(msgspec.Struct):
    words: int
    longest: str


@server.tool()
async def summarize(text: str) -> Summary:
    """Count the words of a text and find the longest one."""
    words = text.split()
    return Summary(words=len(words), longest=max(words, key=len, default=""))


@server.tool()
async def count(ctx: Context, n: int = 3) -> str:
    """Count to n, reporting progress and logging on the way."""
    for i in range(n):
        await ctx.progress(i + 1, total=n, message=f"step {i + 1}")
    await ctx.log("info", f"counted to {n}")
    return f"counted to {n}"


class Confirm(msgspec.Struct):
    confirm: bool


@server.tool()
async def forget(ctx: Context, name: str) -> str:
    """Delete a note, after asking the user (elicitation)."""
    answer = await ctx.elicit(f"Really forget the note {name!r}?", schema=Confirm)
    if answer.action != "accept" or not (answer.content or {}).get("confirm"):
        return f"kept {name}"
    NOTES.pop(name, None)
    server.resource_updated(f"notes://{name}")
    return f"forgot {name}"


@server.resource("notes://index", mime_type="text/plain")
def index() -> str:
    """The names of all notes, one per line."""
    return "\n".join(sorted(NOTES))


@server.resource("notes://{name}", completions={"name": sorted(NOTES)})
async def note(name: str) -> str:
    """One note, by name."""
    if name not in NOTES:
        # -32602 with the URI in data: "resource not found" (2026-07-28, SEP-2164)
        raise RPCError(-32602, f"Resource not found: notes://{name}", {"uri": f"notes://{name}"})
    return NOTES[name]


@server.prompt(completions={"style": ["formal", "friendly", "pirate"]})
def greet(name: str, style: str = "friendly") -> str:
    """Ask the model to greet someone."""
    return f"Write a {style} greeting for {name}."


if __name__ == "__main__":
    server.run()  # stdio until the client closes stdin
