"""Drive the weather server (FastMCP's original or mcplite's port) with FastMCP's client.

    python fastmcp_client.py CONFIG_JSON|URL

CONFIG_JSON is an ``{"mcpServers": ...}`` object (what ``mcplite config`` prints), read by
FastMCP's config client; URL a streamable HTTP endpoint.  Prints one JSON object with what
each step returned, for tests/interop/test_fastmcp.py to assert on.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
import warnings
from typing import Any

from fastmcp import Client
from fastmcp.exceptions import ToolError

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)  # FastMCP logs received log messages through rich


async def drive(target: Any) -> dict[str, Any]:
    report: dict[str, Any] = {}
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    london = {"latitude": 51.5, "longitude": -0.1, "name": "London"}
    async with Client(target, timeout=20) as client:
        tools = await client.list_tools()
        report["tools"] = sorted(tool.name for tool in tools)
        schema = next(tool for tool in tools if tool.name == "forecast").input_schema
        report["latitude_schema"] = {
            k: v
            for k, v in schema["properties"]["location"]["properties"]["latitude"].items()
            if k != "title"
        }
        report["required"] = schema.get("required")
        first = await client.call_tool(
            "forecast", {"location": london}, progress_handler=on_progress
        )
        report["forecast"] = first.structured_content
        # FastMCP builds an object from the outputSchema: it must describe the result.
        report["data_summary"] = getattr(first.data, "summary", None)
        second = await client.call_tool("forecast", {"location": london, "days": 1})
        report["second_requests"] = (second.structured_content or {}).get("api_requests")
        report["progress"] = progress
        chart = await client.call_tool("chart", {"location": london})
        block = chart.content[0]
        report["chart"] = [block.type, getattr(block, "mime_type", None)]
        report["chart_png"] = base64.b64decode(getattr(block, "data", "")).startswith(b"\x89PNG")
        try:
            await client.call_tool("forecast", {"location": {"latitude": 100, "longitude": 0}})
            report["invalid"] = "no error"
        except ToolError as exc:
            report["invalid"] = str(exc)
        read = await client.read_resource("weather://cities")
        report["cities"] = json.loads(read[0].text)
        prompt = await client.get_prompt("plan_trip", {"city": "Quito"})
        report["prompt"] = prompt.messages[0].content.text
    return report


def main() -> None:
    arg = sys.argv[1]
    target = arg if arg.startswith("http") else json.loads(arg)
    print(json.dumps(asyncio.run(drive(target))))


if __name__ == "__main__":
    main()
