"""``server.mount(other, namespace=...)``: names, URIs, Context features and change
propagation through a mount, in both eras; mounting a remote server and a live Client
through ``mcplite.proxy``; collisions refused at mount time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite import Server, types as t
from tests.gateway.backend import build

ROOT = str(Path(__file__).resolve().parents[2])
BACKEND = str(Path(__file__).resolve().parents[1] / "gateway" / "backend.py")
ERAS = ["2026-07-28", "2025-11-25"]


def _front() -> Server:
    front = Server("front", page_size=3)

    @front.tool()
    def local(x: int) -> int:
        return x * 2

    return front


async def _elicit(params: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={"name": "Ada"})


async def _sample(params: t.CreateMessageParams) -> t.CreateMessageResult:
    return t.CreateMessageResult(role="assistant", content=t.TextContent(text="hi"), model="m")


@asynccontextmanager
async def _client(server: Server, version: str, **options: Any) -> AsyncIterator[mcplite.Client]:
    async with mcplite.connect(
        server,
        protocol_version=version,
        elicitation=_elicit,
        sampling=_sample,
        roots=[t.Root(uri="file:///work")],
        **options,
    ) as client:
        yield client


async def _check_names_uris_and_listings(client: mcplite.Client) -> None:
    """What a front (``_front``) with ``build()`` mounted as ``weather`` offers."""
    tools = [tool.name for tool in await client.list_all_tools()]
    assert tools[0] == "local" and "weather_add" in tools and "weather_ask" in tools
    assert len(tools) == len(set(tools))
    result = await client.call_tool("weather_add", {"a": 1, "b": 2})
    assert result.structured_content == {"result": 3}
    assert (await client.call_tool("local", {"x": 4})).structured_content == {"result": 8}
    resources = [r.uri for r in await client.list_all_resources()]
    assert resources == ["weather+file:///readme.txt"]
    templates = [r.uri_template for r in await client.list_all_resource_templates()]
    assert templates == ["weather+notes://{name}"]
    read = await client.read_resource("weather+notes://today")
    assert read.contents[0].uri == "weather+notes://today"
    assert read.contents[0].text == "note today"
    read = await client.read_resource("weather+file:///readme.txt")
    assert read.contents[0].uri == "weather+file:///readme.txt"
    prompts = [p.name for p in await client.list_all_prompts()]
    assert prompts == ["weather_greet"]
    got = await client.get_prompt("weather_greet", {"name": "Bo"})
    assert got.messages[0].content.text == "Hello Bo"  # type: ignore[union-attr]
    completion = await client.complete(t.PromptReference(name="weather_greet"), "name", "B")
    assert completion.values == ["Bo"]
    with pytest.raises(mcplite.RPCError):
        await client.call_tool("weather_nope", {})


async def _check_context_features(client: mcplite.Client, logged: asyncio.Event) -> None:
    if not client.stateless:
        await client.set_log_level("info")
    asked = await client.call_tool("weather_ask", {})
    assert asked.content[0].text == "accept:Ada:hi"  # type: ignore[union-attr]
    roots = await client.call_tool("weather_roots", {})
    assert roots.content[0].text == "file:///work"  # type: ignore[union-attr]
    progress: list[float] = []
    await client.call_tool(
        "weather_steps", {"n": 2}, on_progress=lambda p, total, m: progress.append(p)
    )
    async with asyncio.timeout(5):
        await logged.wait()
    assert progress == [1, 2]


@pytest.mark.parametrize("version", ERAS)
async def test_names_uris_and_listings(version: str) -> None:
    front = _front()
    front.mount(build(), namespace="weather")
    async with _client(front, version) as client:
        await _check_names_uris_and_listings(client)


@pytest.mark.parametrize("version", ERAS)
async def test_context_features_work_through_the_mount(version: str) -> None:
    front = _front()
    front.mount(build(), namespace="weather")
    logged = asyncio.Event()
    async with _client(
        front, version, on_logging_message=lambda p: logged.set(), log_level="info"
    ) as client:
        await _check_context_features(client, logged)


# (front revision, backend kind) for a mounted proxy: "both" serves every revision, "old"
# handshake-era only (2025-era), "new" the proxy's backend connection pinned to 2026-07-28.
BRIDGED = [
    pytest.param("2026-07-28", "both", id="2026-front-2026-backend"),
    pytest.param("2025-11-25", "both", id="2025-front-2025-backend"),
    pytest.param("2026-07-28", "old", id="2026-front-handshake-backend"),
    pytest.param("2025-11-25", "new", id="2025-front-2026-backend"),
]


def _mounted_proxy(kind: str) -> tuple[Server, mcplite.ProxyServer]:
    from tests.gateway.backend import HandshakeOnly

    backend = build()
    target: Any = HandshakeOnly(backend) if kind == "old" else backend
    version = "2026-07-28" if kind == "new" else None
    gw = mcplite.proxy(target, protocol_version=version)
    front = _front()
    front.mount(gw, namespace="weather")
    return front, gw


@pytest.mark.parametrize(("version", "kind"), BRIDGED)
async def test_a_mounted_proxy_serves_every_method_across_eras(version: str, kind: str) -> None:
    # Regression (issue 18): through a mounted proxy of a handshake-only backend, every
    # 2026-07-28 list method answered -32603 (the proxy's era-bridged result, a dict of raw
    # values, could not be read as a list result by the mount).
    front, gw = _mounted_proxy(kind)
    async with gw, _client(front, version) as client:
        await _check_names_uris_and_listings(client)


@pytest.mark.parametrize(("version", "kind"), BRIDGED)
async def test_context_features_work_through_a_mounted_proxy_across_eras(
    version: str, kind: str
) -> None:
    front, gw = _mounted_proxy(kind)
    logged = asyncio.Event()
    async with (
        gw,
        _client(
            front, version, on_logging_message=lambda p: logged.set(), log_level="info"
        ) as client,
    ):
        await _check_context_features(client, logged)


@pytest.mark.parametrize("version", ERAS)
async def test_list_changes_and_resource_updates_propagate(version: str) -> None:
    front = _front()
    front.mount(build(), namespace="weather")
    updated: list[str] = []
    got_update = asyncio.Event()
    changed = asyncio.Event()

    def on_updated(params: t.ResourceUpdatedNotificationParams) -> None:
        updated.append(params.uri)
        got_update.set()

    async with _client(
        front, version, on_resource_updated=on_updated, on_tools_list_changed=changed.set
    ) as client:
        await client.subscribe_resource("weather+file:///readme.txt")
        await client.call_tool("weather_touch", {"uri": "file:///readme.txt"})
        await client.call_tool("weather_grow", {"name": "fresh"})
        async with asyncio.timeout(5):
            await got_update.wait()
            await changed.wait()
        assert updated == ["weather+file:///readme.txt"]
        assert "weather_fresh" in {tool.name for tool in await client.list_all_tools()}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": ROOT}


@pytest.mark.parametrize("version", ERAS)
async def test_mounting_a_remote_server_through_proxy(version: str) -> None:
    front = _front()
    remote = mcplite.proxy([sys.executable, BACKEND], connect_options={"env": _env()})
    front.mount(remote, namespace="remote")
    async with remote, _client(front, version) as client:
        tools = {tool.name for tool in await client.list_all_tools()}
        assert {"local", "remote_add", "remote_ask"} <= tools
        assert (await client.call_tool("remote_add", {"a": 2, "b": 2})).structured_content == {
            "result": 4
        }
        asked = await client.call_tool("remote_ask", {})
        assert asked.content[0].text == "accept:Ada:hi"  # type: ignore[union-attr]
        read = await client.read_resource("remote+notes://x")
        assert read.contents[0].uri == "remote+notes://x"


@pytest.mark.parametrize("version", ERAS)
async def test_mounting_a_live_client(version: str) -> None:
    # A handshake-era live client declared its capabilities once: give it what the
    # backend will ask of the front (2026-07-28 ones carry the front's in each request).
    async with mcplite.connect(build("live"), elicitation=_elicit, sampling=_sample) as live:
        front = _front()
        front.mount(mcplite.proxy(live), namespace="live")
        async with _client(front, version) as client:
            result = await client.call_tool("live_echo", {"text": "hello"})
            assert result.content[0].text == "hello"  # type: ignore[union-attr]
            asked = await client.call_tool("live_ask", {})
            assert asked.content[0].text == "accept:Ada:hi"  # type: ignore[union-attr]


def _with_tool(name: str) -> Callable[[], Server]:
    def make() -> Server:
        server = _front()
        server.add_tool(lambda: "x", name=name)
        return server

    return make


def test_collisions_are_refused_at_mount_time_naming_both() -> None:
    front = _with_tool("weather_add")()
    with pytest.raises(ValueError) as err:
        front.mount(build(), namespace="weather")
    message = str(err.value)
    assert "'weather_add' of 'backend' (its 'add')" in message and "'front'" in message
    front = _front()
    front.mount(build("one"), namespace="weather")
    with pytest.raises(ValueError) as err2:
        front.mount(build("two"), namespace="weather")
    assert "'two'" in str(err2.value) and "'one'" in str(err2.value)
    with pytest.raises(ValueError, match="namespace must be"):
        front.mount(build(), namespace="bad_name")
    inner = build("inner")
    _front().mount(inner, namespace="a")
    with pytest.raises(ValueError, match="already mounted"):
        _front().mount(inner, namespace="b")
    with pytest.raises(TypeError, match=r"mcplite\.proxy"):
        front.mount("http://example.invalid/mcp", namespace="x")  # type: ignore[arg-type]


MOUNTED = ["local", "proxy-both", "proxy-handshake", "proxy-stdio", "nested-proxy"]


def _mounted(kind: str) -> tuple[Server, mcplite.ProxyServer | None]:
    """A front with a backend mounted as ``w`` (``kind``), and the proxy in between."""
    from tests.gateway.backend import HandshakeOnly

    front = _front()
    if kind == "local":
        front.mount(build(), namespace="w")
        return front, None
    if kind == "proxy-stdio":
        gw = mcplite.proxy([sys.executable, BACKEND], connect_options={"env": _env()})
    else:
        gw = mcplite.proxy(HandshakeOnly(build()) if kind == "proxy-handshake" else build())
    if kind == "nested-proxy":
        middle = Server("middle")
        middle.mount(gw, namespace="in")
        front.mount(middle, namespace="w")
    else:
        front.mount(gw, namespace="w")
    return front, gw


@pytest.mark.parametrize("kind", MOUNTED)
@pytest.mark.parametrize("version", ERAS)
async def test_changes_inside_a_mounted_proxy_reach_the_outer_clients(
    version: str, kind: str
) -> None:
    # A 2026-07-28 subscriptions/listen on the outer server hears the list changes and
    # resource updates of a mounted proxy's backend (the proxy watches it); each exactly once.
    front, gw = _mounted(kind)
    prefix = "w+in+" if kind == "nested-proxy" else "w+"
    tool = "w_in_" if kind == "nested-proxy" else "w_"
    updated: list[str] = []
    got_update = asyncio.Event()
    changed: list[None] = []
    got_change = asyncio.Event()

    def on_updated(params: t.ResourceUpdatedNotificationParams) -> None:
        updated.append(params.uri)
        got_update.set()

    def on_changed() -> None:
        changed.append(None)
        got_change.set()

    async with contextlib.AsyncExitStack() as stack:
        if gw is not None:
            await stack.enter_async_context(gw)
        client = await stack.enter_async_context(
            _client(
                front, version, on_resource_updated=on_updated, on_tools_list_changed=on_changed
            )
        )
        await client.subscribe_resource(f"{prefix}file:///readme.txt")
        await client.call_tool(f"{tool}touch", {"uri": "file:///readme.txt"})
        await client.call_tool(f"{tool}touch", {"uri": "notes://unwatched"})
        await client.call_tool(f"{tool}grow", {"name": "fresh"})
        async with asyncio.timeout(10):
            await got_update.wait()
            await got_change.wait()
        # A duplicate would follow its original within the same turn of the backend; a
        # ping through the whole chain lets it arrive first.
        await client.call_tool(f"{tool}echo", {"text": "sync"})
        assert updated == [f"{prefix}file:///readme.txt"]
        assert changed  # list changes may coalesce (debounce) but none is lost
        assert f"{tool}fresh" in {tool.name for tool in await client.list_all_tools()}
    if gw is not None and version == "2026-07-28":
        # The listen ended with the client: the proxy stops watching its backend.
        async with asyncio.timeout(5):
            while gw._watch is not None:  # noqa: ASYNC110 - polled with a deadline
                await asyncio.sleep(0.01)
