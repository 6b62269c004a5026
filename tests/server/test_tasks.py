"""Tasks (io.modelcontextprotocol/tasks, SEP-2663): server and client, every transport."""

from __future__ import annotations

import asyncio
import resource
import sys
from typing import Any

import msgspec
import pytest

import mcplite
from mcplite import Context, RPCError, Server, ToolError, types as t
from mcplite._core.tasks import TASKS_EXTENSION, DetailedTask, TaskParams
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._server.tasks import MemoryTaskStore, TaskStoreFull

NEW = "2026-07-28"


def make_server(**options: Any) -> Server:
    server = Server("tasks", **options)

    @server.tool()
    def greet(name: str) -> str:
        return f"Hello, {name}!"

    @server.tool(task_support="optional")
    async def slow(ctx: Context, seconds: float = 0.0) -> str:
        await ctx.progress(1, total=2, message="half way")
        await asyncio.sleep(seconds)
        return f"slept {seconds:g}"

    @server.tool(task_support="required")
    async def confirm(ctx: Context, what: str) -> str:
        r = await ctx.elicit(f"Delete {what}?", {"type": "object", "properties": {}})
        return f"{r.action} {what}"

    @server.tool(task_support="required")
    async def broken() -> str:
        raise RPCError(-32603, "deliberately broken")

    @server.tool(task_support="optional")
    async def tool_error() -> str:
        raise ToolError("nope")

    return server


async def _accept(request: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={})


def test_declared_extension_and_task_support_are_published() -> None:
    server = make_server()
    server.declare_extension("example.com/other", {"x": 1})
    caps = server.capabilities()
    assert caps.extensions == {TASKS_EXTENSION: {}, "example.com/other": {"x": 1}}
    by_name = {tool.name: tool for tool in server.tools.listing()}
    assert by_name["slow"].execution == t.ToolExecution(task_support="optional")
    assert by_name["greet"].execution is mcplite.types.UNSET
    with pytest.raises(ValueError, match="task_support"):

        @server.tool(task_support="sometimes")
        def sometimes() -> str:
            return "never registered"

    # A refused option registers nothing.
    assert "sometimes" not in {tool.name for tool in server.tools.listing()}
    with pytest.raises(ValueError, match="vendor-prefix"):
        server.declare_extension("tasks")


async def test_handle_in_memory_lifecycle_input_and_errors() -> None:
    server = make_server()
    async with mcplite.connect(
        server, protocol_version=NEW, tasks=True, elicitation=_accept
    ) as client:
        seen: list[str] = []
        handle = await client.start_tool_task(
            "slow", {"seconds": 0.05}, on_status=lambda s: seen.append(s.status)
        )
        assert handle.task_id and handle.last is not None and handle.last.status == "working"
        result = await handle.wait()
        assert result.content[0].text == "slept 0.05"  # type: ignore[union-attr]
        assert seen[-1] == "completed"
        # The inlined result stays encoded on the handle until asked for (decoded lazily).
        assert isinstance(handle.last.result, msgspec.Raw)
        assert handle.last.tool_result() == result
        # Parked ctx.elicit answered through the client's own elicitation callback.
        confirm = await client.start_tool_task("confirm", {"what": "x.txt"})
        assert (await confirm.wait()).content[0].text == "accept x.txt"  # type: ignore[union-attr]
        # A plain call_tool waits for the task transparently.
        plain = await client.call_tool("confirm", {"what": "y"})
        assert plain.content[0].text == "accept y"  # type: ignore[union-attr]
        with pytest.raises(RPCError) as info:
            await (await client.start_tool_task("broken")).wait()
        assert info.value.code == -32603 and "deliberately" in info.value.message
        errored = await (await client.start_tool_task("tool_error")).wait()
        assert errored.is_error is True
        # Cancelling the awaiting task sends tasks/cancel.
        long = await client.start_tool_task("slow", {"seconds": 30})
        waiter = asyncio.ensure_future(long.wait())
        await asyncio.sleep(0.02)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        state = await long.status()
        assert state.status == "cancelled"
        await long.cancel()  # idempotent on a terminal task
        with pytest.raises(RPCError) as unknown:
            await client.request("tasks/get", TaskParams(task_id="nope"), DetailedTask)
        assert unknown.value.code == -32602


async def test_without_the_extension() -> None:
    server = make_server()
    async with mcplite.connect(server, protocol_version=NEW) as client:
        result = await client.call_tool("slow", {"seconds": 0})  # optional: synchronous
        assert result.content[0].text == "slept 0"  # type: ignore[union-attr]
        with pytest.raises(RPCError) as info:
            await client.call_tool("broken")
        assert info.value.code == -32021
        assert info.value.data == {"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}
        with pytest.raises(RPCError) as gated:
            await client.request("tasks/get", TaskParams(task_id="x"), DetailedTask)
        assert gated.value.code == -32021
        with pytest.raises(ValueError, match="tasks=True"):
            await client.start_tool_task("slow")


async def test_another_connection_cannot_see_the_task() -> None:
    server = make_server()
    async with (
        mcplite.connect(server, protocol_version=NEW, tasks=True) as one,
        mcplite.connect(server, protocol_version=NEW, tasks=True) as two,
    ):
        handle = await one.start_tool_task("slow", {"seconds": 30})
        with pytest.raises(RPCError) as info:
            await two.request("tasks/get", TaskParams(task_id=handle.task_id or ""), DetailedTask)
        assert info.value.code == -32602
        await handle.cancel()


@pytest.mark.parametrize("stateless", [False, True])
async def test_handle_over_http(stateless: bool) -> None:
    async with (
        StreamableHTTPServer(make_server(), stateless=stateless) as srv,
        mcplite.connect(
            f"http://127.0.0.1:{srv.port}/mcp", tasks=True, elicitation=_accept
        ) as client,
    ):
        handle = await client.start_tool_task("confirm", {"what": "z"})
        assert handle.last is not None and handle.last.status != "completed"
        assert (await handle.wait()).content[0].text == "accept z"  # type: ignore[union-attr]


async def test_handle_over_stdio(tmp_path: Any) -> None:
    script = tmp_path / "srv.py"
    script.write_text(
        "import asyncio\nfrom mcplite import Server\n"
        "s = Server('t')\n"
        "@s.tool(task_support='required')\n"
        "async def slow(n: int) -> str:\n"
        "    await asyncio.sleep(0.05)\n"
        "    return str(n * 2)\n"
        "s.run()\n"
    )
    async with mcplite.connect(
        [sys.executable, str(script)], protocol_version=NEW, tasks=True
    ) as client:
        handle = await client.start_tool_task("slow", {"n": 21})
        assert (await handle.wait()).content[0].text == "42"  # type: ignore[union-attr]


async def test_store_is_bounded() -> None:
    server = make_server(max_tasks=2)
    async with mcplite.connect(server, protocol_version=NEW, tasks=True) as client:
        a = await client.start_tool_task("slow", {"seconds": 30})
        b = await client.start_tool_task("slow", {"seconds": 30})
        with pytest.raises(RPCError, match="task store is full"):
            await client.start_tool_task("slow", {"seconds": 30})
        await a.cancel()
        await b.cancel()
    with pytest.raises(ValueError):
        MemoryTaskStore(0)
    assert issubclass(TaskStoreFull, Exception)


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover


async def test_a_thousand_concurrent_tasks_in_memory() -> None:
    # Two rounds of 1,000 concurrent tasks. The first round's RSS growth is the
    # peak of 1,000 calls in flight (under -X dev asyncio keeps a creation
    # traceback per future, about 4x the plain cost), a high-water mark the
    # allocator keeps; the second round must fit inside it, so a per-task leak
    # (anything retained after a task finished) shows as growth there.
    server = make_server()
    async with mcplite.connect(server, protocol_version=NEW, tasks=True) as client:
        grown: list[int] = []
        for _ in range(2):
            before = _rss_kib()
            handles = await asyncio.gather(
                *(client.start_tool_task("slow", {"seconds": 0.2}) for _ in range(1000))
            )
            assert len(server.tasks.runs) > 0
            results = await asyncio.gather(*(h.wait() for h in handles))
            assert all(r.content[0].text == "slept 0.2" for r in results)  # type: ignore[union-attr]
            assert not server.tasks.runs  # every handler finished and left
            grown.append(_rss_kib() - before)
            # What a finished task keeps: its result as the encoded bytes tasks/get re-sends,
            # not a tree of dicts; the handle kept it encoded too and decoded it once.
            record = await server.tasks.store.get(handles[-1].task_id or "")
            assert record is not None and isinstance(record.result, msgspec.Raw)
            last = handles[-1].last
            assert last is not None and isinstance(last.result, msgspec.Raw)
            del handles, results, last
        print(f"1000 tasks: RSS grew {grown[0]} KiB, then {grown[1]} KiB")
        # Measured under -X dev, also with both cores busy: about 57 MiB, then 1-5 MiB
        # (67 MiB before the results were kept encoded and the handles' Event made lazily).
        assert grown[0] < 80 * 1024  # bounded: the in-flight peak of 1,000 tasks
        assert grown[1] < 12 * 1024  # no per-task leak: round two reuses round one's memory
