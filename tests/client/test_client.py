"""Client behaviour against our own Server (memory, both eras) and a stdio subprocess:
methods, callbacks, resource subscriptions, and what ``connect`` accepts and forwards."""

from __future__ import annotations

import asyncio
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from msgspec import UNSET

import mcplite
from mcplite import Context, LocalProtocolError, Server, types as t

ROOT = str(Path(__file__).resolve().parents[2])
ERAS = [None, "2025-11-25", "2025-06-18", "2025-03-26"]


def build() -> Server:
    server = Server("test-server", version="1.2.3", page_size=2, instructions="be nice")

    @server.tool()
    async def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    @server.tool()
    async def slow(ctx: Context, steps: int = 2) -> str:
        for i in range(steps):
            await ctx.progress(i + 1, total=steps, message=f"step {i + 1}")
        return "done"

    @server.tool()
    async def hang() -> str:
        await asyncio.sleep(10)
        return "never"

    @server.tool()
    async def ask(ctx: Context) -> str:
        answer = await ctx.elicit(
            "Name?",
            schema={
                "type": "object",
                "properties": {"name": {"type": "string", "default": "anon"}},
            },
        )
        return f"{answer.action}:{(answer.content or {}).get('name')}"

    @server.tool()
    async def roots(ctx: Context) -> str:
        result = await ctx.list_roots()
        return ",".join(r.uri for r in result.roots)

    @server.tool()
    async def logs(ctx: Context) -> str:
        await ctx.log("warning", "careful")
        return "logged"

    @server.resource("notes://{name}", description="a note")
    async def note(name: str) -> str:
        return f"note {name}"

    @server.resource("static://one")
    async def one() -> str:
        return "one"

    @server.prompt()
    def greet(name: str) -> str:
        return f"Hello {name}"

    return server


@pytest.mark.parametrize("era", ERAS)
async def test_spec_methods_both_eras(era: str | None) -> None:
    async with mcplite.connect(build(), protocol_version=era) as client:
        assert client.server_info is not None and client.server_info.name == "test-server"
        assert client.instructions == "be nice"
        if era is None:
            assert client.stateless and client.protocol_version == "2026-07-28"
        else:
            assert client.protocol_version == era and not client.stateless
            await client.ping()
        tools = await client.list_all_tools()
        assert {"add", "slow", "ask", "roots", "logs"} <= {tool.name for tool in tools}
        first = await client.list_tools()
        assert len(first.tools) == 2 and isinstance(first.next_cursor, str)
        result = await client.call_tool("add", {"a": 2, "b": 3})
        assert result.structured_content == {"result": 5}
        assert [r.uri for r in await client.list_all_resources()] == ["static://one"]
        templates = await client.list_all_resource_templates()
        assert [x.uri_template for x in templates] == ["notes://{name}"]
        read = await client.read_resource("notes://abc")
        assert read.contents[0].text == "note abc"
        prompts = await client.list_all_prompts()
        assert [p.name for p in prompts] == ["greet"]
        got = await client.get_prompt("greet", {"name": "Ann"})
        assert "Ann" in got.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize("era", [None, "2025-11-25"])
async def test_progress_callback(era: str | None) -> None:
    seen: list[tuple[float, float | None, str | None]] = []
    async with mcplite.connect(build(), protocol_version=era) as client:
        result = await client.call_tool(
            "slow", {"steps": 3}, on_progress=lambda p, total, m: seen.append((p, total, m))
        )
    assert result.content[0].text == "done"  # type: ignore[union-attr]
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


@pytest.mark.parametrize("era", [None, "2025-11-25"])
async def test_timeout_and_cancel(era: str | None) -> None:
    async with mcplite.connect(build(), protocol_version=era) as client:
        with pytest.raises(mcplite.RequestTimeout):
            await client.call_tool("hang", timeout=0.05)
        task = asyncio.ensure_future(client.call_tool("hang"))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.session is not None and client.session.protocol.pending == 0
        assert (await client.call_tool("add", {"a": 1, "b": 1})).structured_content == {"result": 2}


@pytest.mark.parametrize("era", [None, "2025-11-25"])
async def test_elicitation_roots_logging(era: str | None) -> None:
    asked: list[t.ElicitParams] = []
    logs: list[t.LoggingMessageNotificationParams] = []

    async def elicit(params: t.ElicitParams) -> t.ElicitResult:
        asked.append(params)
        return t.ElicitResult(action="accept", content={})

    async with mcplite.connect(
        build(),
        protocol_version=era,
        elicitation=elicit,
        roots=[t.Root(uri="file:///a")],
        on_logging_message=logs.append,
        log_level="debug",
    ) as client:
        caps = client.capabilities()
        assert caps.roots is not UNSET and caps.elicitation is not UNSET
        assert caps.sampling is UNSET
        result = await client.call_tool("ask")
        assert result.content[0].text == "accept:anon"  # type: ignore[union-attr]
        assert asked[0].message == "Name?"
        result = await client.call_tool("roots")
        assert result.content[0].text == "file:///a"  # type: ignore[union-attr]
        await client.set_roots([t.Root(uri="file:///b")])
        result = await client.call_tool("roots")
        assert result.content[0].text == "file:///b"  # type: ignore[union-attr]
        if era is not None:
            await client.set_log_level("debug")
        await client.call_tool("logs")
        for _ in range(20):
            if logs:
                break
            await asyncio.sleep(0.005)
    assert logs and logs[0].data == "careful"


@pytest.mark.parametrize("era", [None, "2025-11-25", "2025-03-26"])
async def test_log_level_option_applies_in_both_eras(era: str | None) -> None:
    # Client(log_level=) alone, no set_log_level call: in 2026-07-28 each request's _meta
    # carries it; in the handshake era the client sends logging/setLevel after initialize.
    server = Server("levels")

    @server.tool()
    async def noisy(ctx: Context) -> str:
        await ctx.log("debug", "d")
        await ctx.log("info", "i")
        await ctx.log("error", "e")
        return "ok"

    logs: list[t.LoggingMessageNotificationParams] = []
    async with mcplite.connect(
        server, protocol_version=era, on_logging_message=logs.append, log_level="info"
    ) as client:
        await client.call_tool("noisy")
        for _ in range(50):
            if len(logs) >= 2:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)
    assert [m.data for m in logs] == ["i", "e"]


async def test_log_level_option_skips_a_server_without_logging() -> None:
    server = Server("quiet", logging=False)

    @server.tool()
    async def noop() -> str:
        return "ok"

    async with mcplite.connect(server, protocol_version="2025-11-25", log_level="info") as c:
        assert (await c.call_tool("noop")).content[0].text == "ok"  # type: ignore[union-attr]


async def test_stateless_level_and_removed_methods() -> None:
    async with mcplite.connect(build()) as client:
        await client.set_log_level("error")
        assert client.session is not None
        assert client.session.protocol.client is not None
        assert client.session.protocol.client.log_level == "error"
        with pytest.raises(LocalProtocolError):
            await client.ping()


async def test_no_handler_means_no_capability() -> None:
    async with mcplite.connect(build(), protocol_version="2025-11-25") as client:
        assert client.capabilities() == t.ClientCapabilities()
        with pytest.raises(mcplite.RPCError) as info:
            await client.call_tool("ask")
        # -32021 exists only from 2026-07-28: before, -32600 with a message naming the rule.
        assert info.value.code == -32600
        assert "did not declare elicitation (2025-11-25 client/elicitation)" in info.value.message
    async with mcplite.connect(build()) as client:
        with pytest.raises(mcplite.RPCError) as info:
            await client.call_tool("ask")
        assert info.value.code == -32021
        assert info.value.data == {"requiredCapabilities": {"elicitation": {}}}


async def test_custom_request() -> None:
    server = build()

    @server.method("x/echo")
    async def echo(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        return {"echo": params.get("v")}

    async with mcplite.connect(server, protocol_version="2025-11-25") as client:
        assert await client.request("x/echo", {"v": 1}, dict) == {"echo": 1}


SERVER_SCRIPT = textwrap.dedent(
    """
    from mcplite import Server
    server = Server("stdio-test")
    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b
    server.run()
    """
)


@pytest.fixture
def server_script(tmp_path: Path) -> Path:
    script = tmp_path / "server.py"
    script.write_text(SERVER_SCRIPT)
    return script


@pytest.mark.parametrize("era", [None, "2025-11-25"])
async def test_stdio_subprocess(server_script: Path, era: str | None) -> None:
    async with mcplite.connect(
        [sys.executable, str(server_script)],
        env={"PYTHONPATH": ROOT},
        protocol_version=era,
        stderr=None,
    ) as client:
        assert client.server_info is not None and client.server_info.name == "stdio-test"
        result = await asyncio.wait_for(client.call_tool("add", {"a": 1, "b": 2}), 5)
        assert result.structured_content == {"result": 3}


async def test_connect_rejects_a_plain_string() -> None:
    with pytest.raises(ValueError, match="command list"):
        mcplite.connect("python server.py")


@pytest.mark.parametrize(
    ("target", "transport", "error"),
    [
        (["python", "s.py"], "sse", "transport='sse' cannot speak to a command target"),
        (["python", "s.py"], "streamable-http", "cannot speak to a command target"),
        ("http://127.0.0.1:9/mcp", "stdio", "transport='stdio' cannot speak to a URL target"),
        ("http://127.0.0.1:9/mcp", "http", "transport must be one of 'stdio', "),
    ],
)
def test_connect_checks_the_transport_against_the_target(
    target: Any, transport: str, error: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        mcplite.connect(target, transport=transport)


def test_connect_takes_the_transport_the_target_speaks() -> None:
    cases: tuple[tuple[Any, t.TransportName | None], ...] = (
        (["python", "s.py"], "stdio"),
        ("http://127.0.0.1:9/mcp", "streamable-http"),
        ("http://127.0.0.1:9/mcp", "sse"),
        ("http://127.0.0.1:9/mcp", None),
    )
    for target, transport in cases:
        assert isinstance(mcplite.connect(target, transport=transport), mcplite.Client)


class _RecordingAuth:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def headers(self, method: str, url: str) -> list[tuple[str, str]]:
        self.seen.append(method)
        return [("Authorization", "Bearer t")]

    async def on_response(self, method: str, url: str, status: int, headers: Any) -> bool:
        return False


async def test_connect_forwards_auth_and_http_options() -> None:
    from mcplite._client.streamable_http import StreamableHTTPTransport

    auth = _RecordingAuth()
    client = mcplite.connect(
        "http://127.0.0.1:9/mcp", auth=auth, http_options={"read_timeout": 7.0}
    )
    transport = await client._transport_factory()  # type: ignore[operator]
    assert isinstance(transport, StreamableHTTPTransport)
    assert transport.auth is auth and transport.http.read_timeout == 7.0
    await transport.aclose()
    with pytest.raises(ValueError, match="URL target only"):
        mcplite.connect(["python", "server.py"], auth=auth)


async def test_subscribe_returns_once_the_listen_is_acknowledged() -> None:
    server = Server("subs", "1.0")

    @server.resource("stock://{item}")
    def stock(item: str) -> str:
        return "1"

    heard: asyncio.Queue[str] = asyncio.Queue()
    async with mcplite.connect(server, on_resource_updated=lambda p: heard.put_nowait(p.uri)) as c:
        assert c.protocol_version == "2026-07-28"
        await c.subscribe_resource("stock://a")
        server.resource_updated("stock://a")  # published right away: must not be lost
        assert await asyncio.wait_for(heard.get(), 2) == "stock://a"
        await c.subscribe_resource("stock://b")
        server.resource_updated("stock://b")
        assert await asyncio.wait_for(heard.get(), 2) == "stock://b"


async def test_subscribe_without_an_acknowledgement_times_out() -> None:
    server = Server("subs", "1.0")
    server.resource("stock://{item}")(lambda item: "1")
    server.route("subscriptions/listen", dict, lambda ctx, params: asyncio.Event().wait())
    async with mcplite.connect(server, request_timeout=0.05) as c:
        with pytest.raises(mcplite.RequestTimeout, match="acknowledgement covering"):
            await c.subscribe_resource("stock://a")
