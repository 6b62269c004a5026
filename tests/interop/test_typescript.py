"""mcplite against the TypeScript SDK (npm, pinned in _peers.NPM_PACKAGES).

mcplite's client drives @modelcontextprotocol/server-everything over stdio and streamable
HTTP (it speaks the handshake era only, so `protocol_version=None` must fall back to
`initialize`); the TypeScript SDK's client (peers/ts_sdk_client.mjs) drives mcplite's
conformance everything server over stdio and stateful HTTP.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite import types

from ._peers import EVERYTHING_SERVER, PEERS, free_port, http_server, node_modules, run_peer

TS_CLIENT = str(PEERS / "ts_sdk_client.mjs")
TS_FEATURES = str(PEERS / "ts_sdk_features.mjs")
FEATURE_SERVER = str(PEERS / "mcplite_server.py")


def _everything(modules: Path) -> list[str]:
    node = shutil.which("node")
    assert node is not None  # node_modules() skipped otherwise
    entry = modules / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    return [node, str(entry)]


async def _sampling(params: types.CreateMessageParams) -> types.CreateMessageResult:
    return types.CreateMessageResult(
        role="assistant", content=types.TextContent(text="pong"), model="mcplite-model"
    )


async def _elicitation(params: types.ElicitParams) -> types.ElicitResult:
    schema = params.requested_schema
    assert isinstance(schema, dict) and "name" in schema["properties"]
    return types.ElicitResult(action="accept", content={"name": "Ada", "check": True})


def _texts(result: types.CallToolResult) -> list[str]:
    return [getattr(block, "text", type(block).__name__) for block in result.content]


async def _drive_everything(target: Any, version: str | None) -> None:
    logs: list[types.LoggingMessageNotificationParams] = []
    progress: list[float] = []
    # A spawned peer's stderr (its own logs) is not the test's output.
    options: dict[str, Any] = {"stderr": "devnull"} if isinstance(target, list) else {}
    async with mcplite.connect(
        target,
        protocol_version=version,
        sampling=_sampling,
        elicitation=_elicitation,
        roots=[types.Root(uri="file:///interop", name="interop")],
        on_logging_message=logs.append,
        request_timeout=10,
        **options,
    ) as client:
        assert client.protocol_version == "2025-11-25"
        assert client.server_info is not None
        assert client.server_info.name == "mcp-servers/everything"
        names = {tool.name for tool in await client.list_all_tools()}
        assert {"echo", "get-sum", "get-tiny-image", "trigger-sampling-request"} <= names
        got = await client.call_tool("echo", {"message": "héllo"})
        assert _texts(got) == ["Echo: héllo"] and not got.is_error
        got = await client.call_tool("get-sum", {"a": "x"})  # the server's own validation
        assert got.is_error is True and "Input validation error" in got.text
        got = await client.call_tool("get-tiny-image")
        assert any(isinstance(block, types.ImageContent) for block in got.content)
        got = await client.call_tool("get-structured-content", {"location": "Chicago"})
        assert set(got.structured_content) == {"temperature", "conditions", "humidity"}
        got = await client.call_tool(
            "trigger-long-running-operation",
            {"duration": 0.3, "steps": 3},
            on_progress=lambda value, total, message: progress.append(value),
        )
        assert progress == [1, 2, 3] and "completed" in got.text
        got = await client.call_tool("trigger-sampling-request", {"prompt": "ping"})
        assert '"text": "pong"' in got.text
        got = await client.call_tool("trigger-elicitation-request")
        assert "Ada" in got.text and "accept" in got.text
        got = await client.call_tool("get-roots-list")
        assert "file:///interop" in got.text
        await client.set_log_level("debug")
        assert any("Roots updated" in str(entry.data) for entry in logs)
        read = await client.read_resource("demo://resource/static/document/features.md")
        assert str(read.contents[0].text).startswith("# Everything Server")
        templates = [t.uri_template for t in await client.list_all_resource_templates()]
        assert "demo://resource/dynamic/text/{resourceId}" in templates
        prompt = await client.get_prompt("args-prompt", {"city": "Paris"})
        content = prompt.messages[0].content
        assert isinstance(content, types.TextContent) and content.text == "What's weather in Paris?"
        done = await client.complete(
            types.PromptReference(name="completable-prompt"), "department", "E"
        )
        assert done.values == ["Engineering"]


@pytest.mark.parametrize("version", [None, "2025-11-25"], ids=["auto", "2025-11-25"])
async def test_mcplite_client_to_server_everything_stdio(version: str | None) -> None:
    await _drive_everything([*_everything(node_modules()), "stdio"], version)


def test_mcplite_client_to_server_everything_http() -> None:
    # Sync: the peer's startup wait blocks, so the loop runs only for the client.
    argv = [*_everything(node_modules()), "streamableHttp"]
    port = free_port()
    with http_server(argv, port, env={"PORT": str(port)}) as url:
        asyncio.run(asyncio.wait_for(_drive_everything(url, None), 30), debug=True)


def _check_ts_report(report: dict[str, Any]) -> None:
    assert report["server"] == "mcp-conformance-test-server"
    assert "test_simple_text" in report["tools"]
    assert report["test_simple_text"]["content"] == ["This is a simple text response for testing."]
    assert report["test_image_content"] == {"is_error": False, "content": ["image"]}
    assert report["test_error_handling"]["is_error"] is True
    assert report["test_sampling"] == {"is_error": False, "content": ["LLM response: pong"]}
    assert report["test_elicitation"]["content"] == [
        'User response: action=accept, content={"username": "ada"}'
    ]
    # The TypeScript SDK runs notification handlers a microtask after the message while it
    # settles a response at once, so the last progress before a result can miss its handler;
    # on the wire all three precede the result (tests/io and the Python SDK see all three).
    assert report["progress"][:2] == [0, 50]
    assert report["logs"] == [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    assert "test://static-text" in report["resources"]
    assert report["read"] == ["This is the content of the static text resource."]
    assert json.loads(report["template"][0])["id"] == "7"
    assert report["prompt"] == ["Prompt with arguments: arg1='a', arg2='b'"]


def _ts_client(modules: Path, *args: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None
    out = run_peer([node, TS_CLIENT, *args], env={"NODE_PATH": str(modules)})
    return dict(json.loads(out))


def test_ts_client_to_mcplite_server_stdio() -> None:
    report = _ts_client(node_modules(), "stdio", sys.executable, str(EVERYTHING_SERVER), "--stdio")
    _check_ts_report(report)


def test_ts_client_to_mcplite_server_http() -> None:
    port = free_port()
    argv = [sys.executable, str(EVERYTHING_SERVER), "--http", f"127.0.0.1:{port}"]
    with http_server(argv, port) as url:
        report = _ts_client(node_modules(), url)
    assert report["protocol_version"] == "2025-11-25"
    _check_ts_report(report)


def _ts_features(*args: str) -> dict[str, Any]:
    node = shutil.which("node")
    modules = node_modules()
    assert node is not None
    out = run_peer([node, TS_FEATURES, *args], env={"NODE_PATH": str(modules)})
    return dict(json.loads(out))


def _check_features(report: dict[str, Any], *, back_channel: bool = True) -> None:
    # page_size=2 on the server: nine tools over five pages, followed by nextCursor.
    assert report["tool_pages"] == [
        ["roots", "ask"],
        ["hang", "counts"],
        ["page_0", "page_1"],
        ["page_2", "page_3"],
        ["page_4"],
    ]
    assert "-32602" in report["bad_cursor"]["raised"]
    assert "invalid cursor" in report["bad_cursor"]["raised"]
    assert report["roots_list_changed"] == 1
    if back_channel:
        assert report["roots"] == '["file:///first"]'
        assert report["roots_after"] == '["file:///second"]'  # asked again after list_changed
        assert report["ask"] == {
            "is_error": False,
            "text": "model=ts-model text=pong to Say pong action=accept content={'name': 'Ada'}",
        }
    else:
        # Stateless HTTP with a handshake-era client: no back-channel, and the error says so.
        for step in ("roots", "roots_after", "ask"):
            raised = report[step]["raised"]
            assert "stateless HTTP" in raised and "2026-07-28" in raised, raised
    if "hang" in report:
        assert "-32001" in report["hang"]["raised"]  # the SDK's own RequestTimeout/cancel code
        assert report["cancelled"] == 1  # notifications/cancelled reached the handler
    assert report["after_cancel"] == "page 0"


def test_ts_client_features_stdio() -> None:
    report = _ts_features("stdio", sys.executable, FEATURE_SERVER, "--stdio")
    assert "hang" in report
    _check_features(report)


def test_ts_client_features_http() -> None:
    port = free_port()
    argv = [sys.executable, FEATURE_SERVER, "--http", f"127.0.0.1:{port}"]
    with http_server(argv, port) as url:
        report = _ts_features(url)
    assert report["protocol_version"] == "2025-11-25" and "hang" in report
    _check_features(report)


def test_ts_client_features_stateless_http() -> None:
    port = free_port()
    argv = [sys.executable, FEATURE_SERVER, "--http", f"127.0.0.1:{port}", "--stateless"]
    with http_server(argv, port) as url:
        report = _ts_features(url)
    # The SDK cancels with a notifications/cancelled POST of its own (no session to name
    # the request by): matched by sender and id, it stops the handler.
    assert report["protocol_version"] == "2025-11-25" and "hang" in report
    _check_features(report, back_channel=False)
