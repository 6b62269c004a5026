"""The client the official conformance suite drives (``client.sh -- python everything_client.py``).

The suite appends the server URL as the last argument and names the scenario in
``MCP_CONFORMANCE_SCENARIO`` (context JSON, if any, in ``MCP_CONFORMANCE_CONTEXT``).  Each
scenario's behaviour follows the Go SDK's everything-client (go-sdk.md §6.3).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

import mcplite
from mcplite import types as t

log = logging.getLogger("everything_client")


async def elicit(params: t.ElicitParams) -> t.ElicitResult:
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    if scenario == "elicitation-sep1034-client-defaults":
        # Accept with nothing filled in: the server applies its schema defaults (SEP-1034).
        return t.ElicitResult(action="accept", content={})
    return t.ElicitResult(action="accept", content={"confirmed": True})


async def sample(params: t.CreateMessageParams) -> t.CreateMessageResult:
    return t.CreateMessageResult(
        role="assistant", content=t.TextContent(text="sampled"), model="conformance-model"
    )


async def call(client: mcplite.Client, name: str, arguments: dict[str, Any]) -> None:
    try:
        result = await client.call_tool(name, arguments)
        log.info("%s -> %s", name, result)
    except mcplite.MCPError as exc:
        log.warning("%s failed: %s", name, exc)


def _sample_args(tool: t.Tool) -> dict[str, Any]:
    """Arguments that satisfy the required properties of a tool's input schema."""
    props = tool.input_schema.get("properties") or {}
    out: dict[str, Any] = {}
    for name in tool.input_schema.get("required") or []:
        kind = str((props.get(name) or {}).get("type"))
        out[name] = {"integer": 1, "number": 1, "boolean": True, "object": {}, "array": []}.get(
            kind, "test"
        )
    return out


async def run(url: str, scenario: str, context: dict[str, Any]) -> None:
    async with mcplite.connect(
        url,
        name="test-client",
        version="1.0.0",
        elicitation=elicit,
        elicitation_modes=("form", "url"),
        sampling=sample,
        roots=[t.Root(uri="file:///tmp", name="tmp")],
        request_timeout=30.0,
    ) as client:
        if scenario == "tools_call":
            await call(client, "add_numbers", {"a": 5, "b": 3})
        elif scenario == "elicitation-sep1034-client-defaults":
            await call(client, "test_client_elicitation_defaults", {})
        elif scenario == "sse-retry":
            await call(client, "test_reconnection", {})
        elif scenario == "sep-2322-client-request-state":
            for name in (
                "test_mrtr_echo_state",
                "test_mrtr_no_state",
                "test_mrtr_unrelated",
                "test_mrtr_no_result_type",
            ):
                await call(client, name, {})
        elif scenario == "http-standard-headers":
            tools = await client.list_all_tools()
            if tools:
                await call(client, tools[0].name, _sample_args(tools[0]))
            resources = await client.list_all_resources()
            if resources:
                await client.read_resource(resources[0].uri)
            prompts = await client.list_all_prompts()
            if prompts:
                args = {a.name: "test" for a in prompts[0].arguments or [] if a.required}
                await client.get_prompt(prompts[0].name, args or None)
        elif scenario == "http-custom-headers":
            await client.list_all_tools()
            for item in context.get("toolCalls") or []:
                await call(client, item["name"], item.get("arguments") or {})
        elif scenario == "http-invalid-tool-headers":
            for tool in await client.list_all_tools():
                await call(client, tool.name, {"region": "us-west1"})
        elif scenario == "json-schema-2020-12-preservation":
            by_name = {tool.name: tool for tool in await client.list_all_tools()}
            focal = by_name.get("json_schema_2020_12_tool")
            if focal is not None:
                await call(client, "json_schema_echo", {"schema": focal.input_schema})
        elif scenario == "request-metadata":
            pass  # connecting (discover, -32022 retry) is the scenario
        elif client.server_capabilities.tools:  # initialize, json-schema-*: list
            await client.list_all_tools()


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    url = sys.argv[-1]
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    if scenario.startswith("auth/"):  # OAuth scenarios live in auth_client.py (same folder)
        from auth_client import run_auth_scenario

        asyncio.run(run_auth_scenario(scenario, url, context))
        return
    asyncio.run(run(url, scenario, context))


if __name__ == "__main__":
    main()
