"""An MCP server written with the official Python SDK (`mcp`), for interop tests.

    python python_sdk_server.py --stdio
    python python_sdk_server.py --http PORT [--stateless]

Tools cover text, image, error, progress, logging, sampling and elicitation; one resource,
one prompt. In 2026-07-28 sampling and elicitation go through an input_required result (the
SDK's own multi round-trip form); in the handshake era through server->client requests.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import mcp_types as t
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0g"
    "AAAABJRU5ErkJggg=="
)

warnings.simplefilter("ignore")
server = MCPServer("python-sdk-interop")


class Answer(BaseModel):
    name: str


def _modern(ctx: Context) -> bool:
    return (ctx.protocol_version or "") >= "2026-07-28"


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def image() -> t.ImageContent:
    """A 1x1 PNG."""
    return t.ImageContent(type="image", data=PNG_B64, mime_type="image/png")


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ValueError("this tool always fails")


@server.tool()
async def progress(ctx: Context, steps: int = 3) -> str:
    """Report progress steps."""
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps, f"step {i}")
    return f"{steps} steps"


@server.tool()
async def log(ctx: Context) -> str:
    """Send a log message."""
    await ctx.info("hello from the python sdk")
    return "logged"


@server.tool()
async def sample(ctx: Context, prompt: str) -> str | t.InputRequiredResult:
    """Ask the client's model."""
    request = t.CreateMessageRequestParams(
        messages=[t.SamplingMessage(role="user", content=t.TextContent(type="text", text=prompt))],
        max_tokens=20,
    )
    if _modern(ctx):
        responses = ctx.input_responses
        if not responses:
            return t.InputRequiredResult(
                input_requests={"s": t.CreateMessageRequest(params=request)}
            )
        result = t.CreateMessageResult.model_validate(responses["s"].model_dump(by_alias=True))
    else:
        result = await ctx.request_context.session.create_message(
            request.messages, max_tokens=20, related_request_id=ctx.request_id
        )
    content = result.content
    return f"model said: {content.text}" if isinstance(content, t.TextContent) else "?"


@server.tool()
async def elicit(ctx: Context) -> str | t.InputRequiredResult:
    """Ask the user for a name."""
    if _modern(ctx):
        responses = ctx.input_responses
        if not responses:
            params = t.ElicitRequestFormParams(
                message="Your name?",
                requested_schema={
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                },
            )
            return t.InputRequiredResult(input_requests={"e": t.ElicitRequest(params=params)})
        answer = responses["e"].model_dump(by_alias=True)
        return f"{answer['action']}: {answer.get('content', {}).get('name')}"
    got = await ctx.elicit("Your name?", Answer)
    return f"{got.action}: {got.data.name if got.action == 'accept' else None}"


@server.resource("interop://hello", mime_type="text/plain")
def hello() -> str:
    """A text resource."""
    return "hello resource"


@server.prompt()
def greet(name: str) -> str:
    """A greeting prompt."""
    return f"Say hello to {name}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--stateless", action="store_true")
    args = parser.parse_args()
    if args.http is None:
        server.run("stdio")
    else:
        server.run(
            "streamable-http",
            host="127.0.0.1",
            port=args.http,
            stateless_http=args.stateless,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
