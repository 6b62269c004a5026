"""mcplite against the official Python SDK (`mcp`, pinned in setup.cfg's `interop` extra).

mcplite's client drives an SDK server (peers/python_sdk_server.py) over stdio and streamable
HTTP in both eras; the SDK's client (peers/python_sdk_client.py) drives mcplite's conformance
everything server over stdio and HTTP (stateful and stateless). Each drives tools (text, image,
error), resources, prompts, progress, logging, sampling and elicitation.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

import mcplite
from mcplite import types

from ._peers import (
    EVERYTHING_SERVER,
    PEERS,
    free_port,
    http_server,
    require_python_sdk,
    run_peer,
)

SDK_SERVER = str(PEERS / "python_sdk_server.py")
SDK_CLIENT = str(PEERS / "python_sdk_client.py")
ERAS = [("2025-11-25", "2025-11-25"), (None, "2026-07-28")]


async def _sampling(params: types.CreateMessageParams) -> types.CreateMessageResult:
    return types.CreateMessageResult(
        role="assistant", content=types.TextContent(text="pong"), model="mcplite-model"
    )


async def _elicitation(params: types.ElicitParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def _drive_sdk_server(target: Any, version: str | None, expect: str) -> None:
    logs: list[Any] = []
    progress: list[tuple[float, float | None, str | None]] = []
    # A spawned peer's stderr (its own logs) is not the test's output.
    options: dict[str, Any] = {"stderr": "devnull"} if isinstance(target, list) else {}
    async with mcplite.connect(
        target,
        protocol_version=version,
        sampling=_sampling,
        elicitation=_elicitation,
        on_logging_message=logs.append,
        request_timeout=10,
        **options,
    ) as client:
        assert client.protocol_version == expect
        assert client.server_info is not None
        assert client.server_info.name == "python-sdk-interop"
        names = [tool.name for tool in await client.list_all_tools()]
        assert names == ["echo", "add", "image", "fail", "progress", "log", "sample", "elicit"]
        got = await client.call_tool("echo", {"text": "héllo"})
        assert got.text == "héllo" and not got.is_error
        got = await client.call_tool("add", {"a": 2, "b": 3})
        assert got.structured_content == {"result": 5}
        got = await client.call_tool("image")
        image = got.content[0]
        assert isinstance(image, types.ImageContent) and image.mime_type == "image/png"
        got = await client.call_tool("fail")
        assert got.is_error is True
        got = await client.call_tool(
            "progress", {"steps": 3}, on_progress=lambda *a: progress.append(a)
        )
        assert got.text == "3 steps"
        assert [p[0] for p in progress] == [1, 2, 3] and progress[-1][2] == "step 3"
        got = await client.call_tool("log")
        assert got.text == "logged"
        if expect != "2026-07-28":
            # 2026-07-28 sends notifications/message only to a request that asked for a level.
            assert [entry.data for entry in logs] == ["hello from the python sdk"]
        got = await client.call_tool("sample", {"prompt": "ping"})
        assert got.text == "model said: pong"
        got = await client.call_tool("elicit")
        assert got.text == "accept: Ada"
        read = await client.read_resource("interop://hello")
        assert read.contents[0].text == "hello resource"
        assert [r.uri for r in await client.list_all_resources()] == ["interop://hello"]
        prompt = await client.get_prompt("greet", {"name": "Bo"})
        content = prompt.messages[0].content
        assert isinstance(content, types.TextContent) and content.text == "Say hello to Bo"


@pytest.mark.parametrize(("version", "expect"), ERAS)
async def test_mcplite_client_to_sdk_server_stdio(version: str | None, expect: str) -> None:
    require_python_sdk()
    await _drive_sdk_server([sys.executable, SDK_SERVER, "--stdio"], version, expect)


async def test_mcplite_client_to_sdk_server_http() -> None:
    require_python_sdk()
    port = free_port()
    with http_server([sys.executable, SDK_SERVER, "--http", str(port)], port) as url:
        for version, expect in ERAS:  # one SDK app serves both eras
            await _drive_sdk_server(url, version, expect)


def _check_sdk_report(report: dict[str, Any], version: str) -> None:
    assert report["protocol_version"] == version
    assert "test_simple_text" in report["tools"] and "test_sampling" in report["tools"]
    assert report["test_simple_text"] == {
        "is_error": False,
        "content": ["This is a simple text response for testing."],
    }
    assert report["test_image_content"] == {"is_error": False, "content": ["image"]}
    assert report["test_error_handling"] == {
        "is_error": True,
        "content": ["This tool intentionally returns an error for testing"],
    }
    assert report["test_sampling"] == {"is_error": False, "content": ["LLM response: pong"]}
    assert report["test_elicitation"]["content"] == [
        'User response: action=accept, content={"username": "ada"}'
    ]
    assert report["test_input_required_result_list_roots"]["content"] == [
        "Client exposed 1 root(s): file:///interop"
    ]
    assert report["progress"] == [0, 50, 100]
    assert report["logs"] == [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    assert report["resources"] == [
        "test://static-binary",
        "test://static-text",
        "test://watched-resource",
    ]
    assert report["read"] == ["This is the content of the static text resource."]
    assert json.loads(report["template"][0])["id"] == "7"
    assert "test_prompt_with_arguments" in report["prompts"]
    assert report["prompt"] == ["Prompt with arguments: arg1='a', arg2='b'"]


@pytest.mark.parametrize(("mode", "version"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
def test_sdk_client_to_mcplite_server_stdio(mode: str, version: str) -> None:
    require_python_sdk()
    server = [sys.executable, str(EVERYTHING_SERVER), "--stdio"]
    out = run_peer([sys.executable, SDK_CLIENT, "--mode", mode, "stdio", "--", *server])
    _check_sdk_report(json.loads(out), version)


@pytest.mark.parametrize("stateless", [False, True], ids=["stateful", "stateless"])
def test_sdk_client_to_mcplite_server_http(stateless: bool) -> None:
    require_python_sdk()
    port = free_port()
    argv = [sys.executable, str(EVERYTHING_SERVER), "--http", f"127.0.0.1:{port}"]
    with http_server([*argv, "--stateless"] if stateless else argv, port) as url:
        # A stateless server has no back-channel for a handshake-era client's sampling, so
        # the handshake era is driven against the stateful one only.
        modes = (
            [("auto", "2026-07-28")]
            if stateless
            else [
                ("legacy", "2025-11-25"),
                ("auto", "2026-07-28"),
            ]
        )
        for mode, version in modes:
            out = run_peer([sys.executable, SDK_CLIENT, "--mode", mode, url])
            _check_sdk_report(json.loads(out), version)
