"""``mcplite.proxy``: forwarding both ways, in every pairing of eras (in memory and stdio)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest

import mcplite
from mcplite import RPCError, types as t
from tests.gateway.backend import HandshakeOnly, build

BACKEND = str(Path(__file__).with_name("backend.py"))
ROOT = str(Path(__file__).resolve().parents[2])

# (front revision, backend kind): "both" serves every revision, "old" handshake-era only;
# "new" pins the proxy's backend connection to 2026-07-28.
PAIRS = [
    pytest.param("2026-07-28", "both", id="2026-front-2026-backend"),
    pytest.param("2025-11-25", "both", id="2025-front-2025-backend"),
    pytest.param("2026-07-28", "old", id="2026-front-handshake-backend"),
    pytest.param("2025-11-25", "new", id="2025-front-2026-backend"),
]


def _proxy(kind: str, **options: Any) -> mcplite.ProxyServer:
    server = build()
    target: Any = HandshakeOnly(server) if kind == "old" else server
    version = "2026-07-28" if kind == "new" else None
    return mcplite.proxy(target, name="gw", protocol_version=version, **options)


async def _elicit(params: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={"name": "Ada"})


async def _sample(params: t.CreateMessageParams) -> t.CreateMessageResult:
    return t.CreateMessageResult(role="assistant", content=t.TextContent(text="hi"), model="m")


@asynccontextmanager
async def _front(proxy: Any, version: str, **options: Any) -> AsyncIterator[mcplite.Client]:
    async with mcplite.connect(
        proxy,
        protocol_version=version,
        elicitation=_elicit,
        sampling=_sample,
        roots=[t.Root(uri="file:///work")],
        **options,
    ) as client:
        yield client


@pytest.mark.parametrize(("version", "kind"), PAIRS)
async def test_calls_lists_and_reads_pass_through(version: str, kind: str) -> None:
    async with _proxy(kind) as gw, _front(gw, version) as client:
        assert client.protocol_version == version
        assert client.server_info is not None and client.server_info.name == "gw"
        assert client.instructions == "a test backend"
        tools = {tool.name for tool in await client.list_all_tools()}
        assert {"add", "ask", "steps"} <= tools
        result = await client.call_tool("add", {"a": 2, "b": 3})
        assert result.structured_content == {"result": 5}
        read = await client.read_resource("notes://x")
        assert read.contents[0].text == "note x"
        templates = await client.list_all_resource_templates()
        assert [tp.uri_template for tp in templates] == ["notes://{name}"]
        prompt = await client.get_prompt("greet", {"name": "Bo"})
        assert prompt.messages[0].content.text == "Hello Bo"  # type: ignore[union-attr]
        with pytest.raises(RPCError) as err:
            await client.call_tool("nope", {})
        assert "nope" in err.value.message


@pytest.mark.parametrize(("version", "kind"), PAIRS)
async def test_elicitation_sampling_and_roots_reach_the_front(version: str, kind: str) -> None:
    async with _proxy(kind) as gw, _front(gw, version) as client:
        result = await client.call_tool("ask", {})
        assert result.content[0].text == "accept:Ada:hi"  # type: ignore[union-attr]
        roots = await client.call_tool("roots", {})
        assert roots.content[0].text == "file:///work"  # type: ignore[union-attr]


@pytest.mark.parametrize(("version", "kind"), PAIRS)
async def test_progress_and_logging_reach_the_front(version: str, kind: str) -> None:
    logged: list[Any] = []
    got_log = asyncio.Event()

    def on_log(params: Any) -> None:
        logged.append(params)
        got_log.set()

    progress: list[tuple[float, float | None, str | None]] = []

    def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with (
        _proxy(kind) as gw,
        _front(gw, version, on_logging_message=on_log, log_level="info") as client,
    ):
        if not client.stateless:
            await client.set_log_level("info")
        result = await client.call_tool("steps", {"n": 2}, on_progress=on_progress)
        assert result.content[0].text == "2 steps"  # type: ignore[union-attr]
        async with asyncio.timeout(5):
            await got_log.wait()
    assert progress == [(1, 2, "step 1"), (2, 2, "step 2")]
    assert [m.data for m in logged] == ["stepped"]


@pytest.mark.parametrize(("version", "kind"), PAIRS)
async def test_resource_updates_and_list_changes_propagate(version: str, kind: str) -> None:
    updated: list[str] = []
    changed = asyncio.Event()
    got_update = asyncio.Event()

    def on_updated(params: t.ResourceUpdatedNotificationParams) -> None:
        updated.append(params.uri)
        got_update.set()

    async with (
        _proxy(kind) as gw,
        _front(
            gw,
            version,
            on_resource_updated=on_updated,
            on_tools_list_changed=changed.set,
        ) as client,
    ):
        await client.subscribe_resource("file:///readme.txt")
        await client.call_tool("touch", {"uri": "file:///readme.txt"})
        await client.call_tool("grow", {"name": "fresh"})
        async with asyncio.timeout(5):
            await changed.wait()
            await got_update.wait()
        assert updated == ["file:///readme.txt"]
        assert "fresh" in {tool.name for tool in await client.list_all_tools()}


@pytest.mark.parametrize(("version", "kind"), PAIRS)
async def test_cancelling_a_call_cancels_it_on_the_backend(version: str, kind: str) -> None:
    async with _proxy(kind) as gw, _front(gw, version) as client:
        call = asyncio.ensure_future(client.call_tool("hang", {}))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        async with asyncio.timeout(5):
            while True:
                seen = await client.call_tool("was_cancelled", {})
                if seen.content[0].text == "hang":  # type: ignore[union-attr]
                    break
                await asyncio.sleep(0.02)


def _stdio(*extra: str) -> list[str]:
    return [sys.executable, BACKEND, *extra]


async def test_a_dead_backend_fails_pending_calls_and_reconnects() -> None:
    # A handshake-era session has one backend connection: its death fails every call on it.
    gw = mcplite.proxy(_stdio(), connect_options={"env": {"PYTHONPATH": ROOT}})
    async with gw, mcplite.connect(gw, protocol_version="2025-11-25") as client:
        pending = asyncio.ensure_future(client.call_tool("hang", {}))
        with pytest.raises(RPCError) as err:
            await client.call_tool("die", {})
        assert "Backend unavailable" in err.value.message
        with pytest.raises(RPCError) as err2:
            await pending
        assert "Backend unavailable" in err2.value.message
        result = await client.call_tool("add", {"a": 1, "b": 1})
        assert result.structured_content == {"result": 2}


async def test_a_dead_pooled_backend_is_replaced() -> None:
    # 2026-07-28 requests borrow a pooled connection each: the one that died is dropped.
    gw = mcplite.proxy(_stdio(), connect_options={"env": {"PYTHONPATH": ROOT}})
    async with gw, mcplite.connect(gw) as client:
        with pytest.raises(RPCError) as err:
            await client.call_tool("die", {})
        assert "Backend unavailable" in err.value.message
        for n in range(3):
            result = await client.call_tool("add", {"a": n, "b": 1})
            assert result.structured_content == {"result": n + 1}


async def test_an_oversize_backend_response_fails_that_request_only() -> None:
    gw = mcplite.proxy(
        _stdio(), connect_options={"env": {"PYTHONPATH": ROOT}, "max_line_bytes": 64 * 1024}
    )
    async with gw, mcplite.connect(gw, protocol_version="2025-11-25") as client:
        with pytest.raises(RPCError) as err:
            await client.call_tool("huge", {"kib": 100})
        assert "too large" in err.value.message
        result = await client.call_tool("echo", {"text": "still here"})
        assert result.content[0].text == "still here"  # type: ignore[union-attr]


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_a_malformed_backend_message_fails_that_request_only(version: str) -> None:
    # Bad input (issue 18): what the backend writes that is not a valid message fails the
    # request it answers (-32603 naming the problem), or, when it names no request, nothing;
    # the gateway and its other requests go on.
    gw = mcplite.proxy(_stdio(), connect_options={"env": {"PYTHONPATH": ROOT}})
    async with gw, mcplite.connect(gw, protocol_version=version) as client:
        pending = asyncio.ensure_future(client.call_tool("chatter", {"text": "t", "n": 3}))
        # Not JSON at all: no request to fail; the garbling call itself is answered.
        result = await client.call_tool("garble", {"kind": "line"})
        assert result.content[0].text == "garbled"  # type: ignore[union-attr]
        for kind in ("result", "envelope"):
            with pytest.raises(RPCError) as err:
                await client.call_tool("garble", {"kind": kind})
            assert err.value.code == -32603
            assert "backend" in err.value.message.lower(), err.value.message
        assert (await pending).content[0].text == "t"  # type: ignore[union-attr]
        result = await client.call_tool("add", {"a": 2, "b": 2})
        assert result.structured_content == {"result": 4}


async def test_backoff_after_a_failed_connect_fails_fast_then_retries() -> None:
    gw = mcplite.proxy([sys.executable, "-c", "import sys; sys.exit(1)"], reconnect_backoff=0.2)
    async with mcplite.connect(gw, protocol_version="2025-11-25") as client:
        with pytest.raises(RPCError) as first:
            await client.list_tools()
        assert "Backend unavailable" in first.value.message
        with pytest.raises(RPCError) as second:
            await client.list_tools()
        assert "next attempt is in" in second.value.message
    await gw.aclose()


class _Recorder:
    """A transport wrapper keeping every payload it carries, in both directions."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.received: list[bytes] = []
        self.sent: list[bytes] = []

    async def receive(self) -> bytes:
        data: bytes = await self.inner.receive()
        self.received.append(data)
        return data

    async def send(self, data: bytes, related: Any = None) -> None:
        self.sent.append(data)
        await self.inner.send(data, related)

    async def aclose(self) -> None:
        await self.inner.aclose()


class _RecordingAcceptor:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.recorders: list[_Recorder] = []

    def accept(self, transport: Any) -> object:
        recorder = _Recorder(transport)
        self.recorders.append(recorder)
        return self.server.accept(recorder)


def _message(lines: list[bytes], key: str, method: str | None = None) -> bytes:
    for line in lines:
        msg = msgspec.json.decode(line)
        if key not in msg or (method is not None and msg.get("method") != method):
            continue
        if method is not None or (isinstance(msg[key], dict) and "content" in msg[key]):
            raw = msgspec.json.decode(line, type=dict[str, msgspec.Raw])[key]
            return bytes(raw)
    raise AssertionError(f"no {method or key} in {lines!r}")


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_params_and_results_pass_through_byte_for_byte(version: str) -> None:
    backend = _RecordingAcceptor(build())
    front = _RecordingAcceptor(mcplite.proxy(backend))
    async with front.server, mcplite.connect(front, protocol_version=version) as client:
        await client.call_tool("echo", {"text": "same bytes"})
    client_side = front.recorders[-1]
    backend_side = backend.recorders[-1]
    sent_params = _message(client_side.received, "params", "tools/call")
    assert _message(backend_side.received, "params", "tools/call") == sent_params
    answered = _message(backend_side.sent, "result")
    assert _message(client_side.sent, "result") == answered


async def test_a_configuration_entry_as_the_target() -> None:
    entry = {"command": sys.executable, "args": [BACKEND], "env": {"PYTHONPATH": ROOT}}
    for gw in (
        mcplite.proxy(entry),
        mcplite.proxy({"mcpServers": {"b": entry}}, server="b"),
    ):
        async with gw, mcplite.connect(gw) as client:
            result = await client.call_tool("add", {"a": 3, "b": 4})
            assert result.structured_content == {"result": 7}
    with pytest.raises(ValueError, match="name the server"):
        mcplite.proxy({"mcpServers": {"b": entry}})


async def test_a_parked_call_expires_after_input_ttl() -> None:
    # A 2026-07-28 client in front of a handshake-era backend: the backend's elicitation
    # parks the call; a retry after input_ttl is refused and the backend call cancelled.
    gw = _proxy("old", input_ttl=0.05)
    async with gw, _front(gw, "2026-07-28") as client:
        first = await client.request("tools/call", {"name": "ask", "arguments": {}}, dict)
        assert first["resultType"] == "input_required"
        [(key, request)] = first["inputRequests"].items()
        assert request["method"] == "elicitation/create"
        for _ in range(500):  # poll (bounded) until the parked call has expired
            if not gw._parked:
                break
            await asyncio.sleep(0.01)
        assert not gw._parked
        retry = {
            "name": "ask",
            "arguments": {},
            "requestState": first["requestState"],
            "inputResponses": {key: {"action": "decline"}},
        }
        with pytest.raises(RPCError, match="names no pending gateway request"):
            await client.request("tools/call", retry, dict)
        result = await client.call_tool("add", {"a": 1, "b": 2})
        assert result.structured_content == {"result": 3}
