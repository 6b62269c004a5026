"""The conformance everything-server: catalogue over memory, and a real stdio subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests._server_peer import Peer, result

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "conformance"))

from everything_server import build_server  # noqa: E402

TOOLS = {
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_tool_with_logging",
    "test_tool_with_progress",
    "test_error_handling",
    "test_sampling",
    "test_elicitation",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "json_schema_2020_12_tool",
    "test_reconnection",
    "test_x_mcp_header",
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_logging_tool",
    "test_trigger_tool_change",
    "test_trigger_prompt_change",
    "test_input_required_result_elicitation",
    "test_input_required_result_sampling",
    "test_input_required_result_list_roots",
    "test_input_required_result_request_state",
    "test_input_required_result_multiple_inputs",
    "test_input_required_result_multi_round",
    "test_input_required_result_tampered_state",
    "test_input_required_result_capabilities",
    # tasks (io.modelcontextprotocol/tasks, SEP-2663)
    "greet",
    "slow_compute",
    "failing_job",
    "protocol_error_job",
    "confirm_delete",
    "multi_input",
    "test_tool_with_task",
}


async def test_catalogue() -> None:
    p = Peer(build_server())
    init = result(await p.init())
    assert init["serverInfo"] == {"name": "mcp-conformance-test-server", "version": "1.0.0"}
    tools = {t["name"]: t for t in result(await p.call("tools/list"))["tools"]}
    assert set(tools) == TOOLS
    assert tools["failing_job"]["execution"] == {"taskSupport": "required"}
    assert tools["slow_compute"]["execution"] == {"taskSupport": "optional"}
    assert "execution" not in tools["greet"]
    schema = tools["json_schema_2020_12_tool"]["inputSchema"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False and "$anchor" in schema["$defs"]["address"]
    uris = [r["uri"] for r in result(await p.call("resources/list"))["resources"]]
    assert uris == ["test://static-text", "test://static-binary", "test://watched-resource"]
    prompts = [x["name"] for x in result(await p.call("prompts/list"))["prompts"]]
    assert prompts == [
        "test_simple_prompt",
        "test_prompt_with_arguments",
        "test_prompt_with_embedded_resource",
        "test_prompt_with_image",
        "test_input_required_result_prompt",
    ]
    r = result(await p.call("tools/call", {"name": "test_trigger_tool_change"}))
    assert r["content"][0]["text"] == "Tool list changed"
    assert (await p.recv())["method"] == "notifications/tools/list_changed"
    resp, notes = await p.until(
        await p.start(
            "tools/call", {"name": "test_tool_with_progress", "_meta": {"progressToken": "p1"}}
        )
    )
    assert [n["params"]["progress"] for n in notes] == [0, 50, 100]
    assert result(resp)["content"][0]["text"] == "p1"
    await p.aclose()


async def test_multiple_inputs_stateless() -> None:
    p = Peer(build_server())
    r = result(
        await p.call(
            "tools/call", {"name": "test_input_required_result_multiple_inputs"}, stateless=True
        )
    )
    assert sorted(r["inputRequests"]) == ["client_roots", "greeting", "user_name"]
    answers = {
        "user_name": {"action": "accept", "content": {"name": "Al"}},
        "greeting": {"role": "assistant", "content": {"type": "text", "text": "hey"}, "model": "m"},
        "client_roots": {"roots": [{"uri": "file:///r"}]},
    }
    done = result(
        await p.call(
            "tools/call",
            {
                "name": "test_input_required_result_multiple_inputs",
                "requestState": r["requestState"],
                "inputResponses": answers,
            },
            stateless=True,
        )
    )
    assert done["content"][0]["text"] == (
        "Hello, Al! Greeting: hey. Client exposed 1 root(s): file:///r"
    )
    await p.aclose()


async def test_stdio_subprocess() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "conformance" / "everything_server.py"),
        "--stdio",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        lines = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            },
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "resources/read",
                "params": {"uri": "test://template/7/data"},
            },
        ]
        for line in lines:
            proc.stdin.write(json.dumps(line).encode() + b"\n")
        await proc.stdin.drain()
        first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))
        assert first["result"]["serverInfo"]["name"] == "mcp-conformance-test-server"
        second = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))
        assert json.loads(second["result"]["contents"][0]["text"])["id"] == "7"
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
