"""Drive an MCP server with the official Python SDK's client (`mcp.Client`), for interop tests.

    python python_sdk_client.py [--mode legacy|auto] stdio|URL [-- server command ...]

Prints one JSON object: what each step returned (or the error it raised), so the test that
runs this script asserts on what the SDK saw. Steps follow tests/conformance/everything_server.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import warnings
from typing import Any

import mcp_types as t
from mcp import Client
from mcp.client.stdio import StdioServerParameters

warnings.simplefilter("ignore")


async def sampling(context: Any, params: t.CreateMessageRequestParams) -> t.CreateMessageResult:
    return t.CreateMessageResult(
        role="assistant", content=t.TextContent(type="text", text="pong"), model="sdk-model"
    )


async def elicitation(context: Any, params: t.ElicitRequestParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={"username": "ada"})


async def roots(context: Any) -> t.ListRootsResult:
    return t.ListRootsResult(roots=[t.Root(uri="file:///interop", name="interop")])


def _text(result: t.CallToolResult) -> list[Any]:
    out: list[Any] = []
    for block in result.content:
        if isinstance(block, t.TextContent):
            out.append(block.text)
        else:
            out.append(block.type)
    return out


async def drive(server: Any, mode: str) -> dict[str, Any]:
    report: dict[str, Any] = {}
    logs: list[str] = []
    progress: list[float] = []

    async def on_log(params: t.LoggingMessageNotificationParams) -> None:
        logs.append(str(params.data))

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async with Client(
        server,
        mode=mode,
        sampling_callback=sampling,
        elicitation_callback=elicitation,
        list_roots_callback=roots,
        logging_callback=on_log,
        log_level="debug",
        read_timeout_seconds=10,
    ) as client:
        session = client.session
        report["protocol_version"] = session.protocol_version
        tools = await client.list_tools()
        report["tools"] = sorted(tool.name for tool in tools.tools)
        if mode == "legacy":
            await client.set_logging_level("debug")
        for name, args in (
            ("test_simple_text", {}),
            ("test_image_content", {}),
            ("test_error_handling", {}),
            ("test_tool_with_logging", {}),
            ("test_sampling", {"prompt": "ping"}),
            ("test_elicitation", {"message": "who?"}),
            ("test_input_required_result_list_roots", {}),
        ):
            try:
                result = await client.call_tool(name, args)
                report[name] = {"is_error": bool(result.is_error), "content": _text(result)}
            except Exception as exc:  # reported, the test decides
                report[name] = {"raised": f"{type(exc).__name__}: {exc}"}
        await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        report["progress"] = progress
        report["logs"] = logs
        resources = await client.list_resources()
        report["resources"] = sorted(str(r.uri) for r in resources.resources)
        read = await client.read_resource("test://static-text")
        report["read"] = [getattr(c, "text", None) for c in read.contents]
        templated = await client.read_resource("test://template/7/data")
        report["template"] = [getattr(c, "text", None) for c in templated.contents]
        prompts = await client.list_prompts()
        report["prompts"] = sorted(p.name for p in prompts.prompts)
        got = await client.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
        report["prompt"] = [getattr(m.content, "text", None) for m in got.messages]
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", help="'stdio' (then the server command after --) or a URL")
    parser.add_argument("--mode", default="auto")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if args.target == "stdio":
        server: Any = StdioServerParameters(command=args.command[0], args=args.command[1:])
    else:
        server = args.target
    report = asyncio.run(drive(server, args.mode))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
