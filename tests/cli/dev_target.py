"""The server `mcplite dev` is driven against in tests/cli/test_dev*.py: one of each thing
the inspector renders (text, image, structured output, progress, a slow call to cancel,
elicitation, sampling, a subscribable resource, a template with completion, a prompt)."""

from __future__ import annotations

import asyncio
import base64

from mcplite import Context, Server, ToolError, types as t

# A 2x2 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)
server = Server("dev-target", version="1.2.3", instructions="A server for the inspector's tests.")
notes: dict[str, str] = {"hello": "Hello, world"}


@server.tool()
def add(a: int, b: int, label: str = "sum", exact: bool = True) -> dict[str, int | str]:
    """Add two integers."""
    return {"label": label, "total": a + b}


@server.tool()
def picture() -> t.ImageContent:
    """A small red image."""
    return t.ImageContent(data=base64.b64encode(PNG).decode(), mime_type="image/png")


@server.tool()
async def slow(ctx: Context, steps: int = 50) -> str:
    """Counts to `steps`, one per 100 ms, reporting progress (cancel it from the page)."""
    for i in range(steps):
        await ctx.progress(i, steps, f"step {i}")
        await ctx.log("info", f"step {i} of {steps}")
        await asyncio.sleep(0.1)
    return "finished"


@server.tool()
async def ask_name(ctx: Context) -> str:
    """Asks the user for a name through elicitation."""
    answer = await ctx.elicit(
        "Who are you?",
        {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    )
    if answer.action != "accept" or not isinstance(answer.content, dict):
        return f"no name ({answer.action})"
    return f"Hello, {answer.content['name']}!"


@server.tool()
def big(megabytes: int = 10) -> str:
    """A huge text result (the page truncates it, with "show all")."""
    return "x" * (megabytes * 1024 * 1024)


@server.tool()
def fail() -> str:
    """Always fails (the result has isError)."""
    raise ToolError("this tool always fails")


@server.resource("note://hello", name="hello-note", mime_type="text/plain")
def hello_note() -> str:
    return notes["hello"]


@server.resource("note://{key}", name="note")
def note(key: str) -> str:
    return notes.get(key, "")


@server.prompt()
def greet(name: str) -> str:
    """Greets someone."""
    return f"Say hello to {name}."


@server.completion(prompt="greet", argument="name")
def complete_name(value: str, context: object) -> list[str]:
    return [n for n in ("Ada", "Alan", "Grace") if n.lower().startswith(value.lower())]


@server.tool()
def bump() -> str:
    """Changes note://hello (a subscribed page sees the update)."""
    notes["hello"] = notes["hello"] + "!"
    server.resource_updated("note://hello")
    return notes["hello"]


if __name__ == "__main__":
    server.run()
