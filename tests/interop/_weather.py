"""The checks both weather servers pass (FastMCP's original and mcplite's port,
examples/weather.py), driven by mcplite's client: the port must behave as the original."""

from __future__ import annotations

import base64
import json
from typing import Any

import mcplite
from mcplite import types

LONDON = {"latitude": 51.5, "longitude": -0.1, "name": "London"}


async def check_weather(target: Any, **options: Any) -> None:
    progress: list[float] = []
    async with mcplite.connect(target, request_timeout=20, **options) as client:
        assert client.server_info is not None and client.server_info.name == "weather"
        tools = {tool.name: tool for tool in await client.list_all_tools()}
        assert sorted(tools) == ["chart", "forecast"]
        schema = tools["forecast"].input_schema
        assert schema["required"] == ["location"]
        location = schema["properties"]["location"]
        assert location["description"] == "where to forecast"  # the docstring's Args line
        latitude = location["properties"]["latitude"]
        assert (latitude["minimum"], latitude["maximum"]) == (-90, 90)
        assert latitude["description"] == "Degrees north"
        assert schema["properties"]["days"]["exclusiveMinimum"] == 0
        out = tools["forecast"].output_schema
        assert out is not types.UNSET and "summary" in out["properties"]
        assert tools["chart"].output_schema is types.UNSET

        first = await client.call_tool(
            "forecast", {"location": LONDON}, on_progress=lambda *a: progress.append(a[0])
        )
        assert not first.is_error
        assert first.structured_content == {
            "location": LONDON,
            "daily_max_c": [15.7, 12.7, 14.7],
            "summary": "3 day(s), warmest 15.7 C",
            "api_requests": first.structured_content["api_requests"],
        }
        assert json.loads(first.text) == first.structured_content
        assert progress == [3]
        second = await client.call_tool("forecast", {"location": LONDON, "days": 1})
        # One lifespan-held client serves every call.
        assert second.structured_content["api_requests"] == (
            first.structured_content["api_requests"] + 1
        )
        chart = await client.call_tool("chart", {"location": LONDON})
        image = chart.content[0]
        assert isinstance(image, types.ImageContent) and image.mime_type == "image/png"
        assert base64.b64decode(image.data).startswith(b"\x89PNG\r\n\x1a\n")
        bad = await client.call_tool("forecast", {"location": {"latitude": 100, "longitude": 0}})
        assert bad.is_error and "less than or equal to 90" in bad.text
        assert "latitude" in bad.text
        read = await client.read_resource("weather://cities")
        assert json.loads(read.contents[0].text)["quito"] == {
            "latitude": -0.2,
            "longitude": -78.5,
        }
        prompt = await client.get_prompt("plan_trip", {"city": "Quito"})
        content = prompt.messages[0].content
        assert isinstance(content, types.TextContent)
        assert content.text == (
            "Use the forecast tool for Quito over 2 days, then suggest what to pack."
        )
