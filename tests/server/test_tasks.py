"""Tasks (io.modelcontextprotocol/tasks, SEP-2663): server and client, every transport."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import resource
import sys
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import mcplite
from mcplite import RPCError, Server, types as t
from mcplite._client.tasks import ToolTask
from mcplite._core.tasks import TASKS_EXTENSION, DetailedTask, TaskParams
from mcplite._errors import REQUEST_CANCELLED
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._server.tasks import MemoryTaskStore, TaskStoreFull
from mcplite.types import UNSET
from tests.server.task_server import make_server

NEW = "2026-07-28"


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


TASK_SERVER = Path(__file__).with_name("task_server.py")
# (transport, a deferred call sends progress before it becomes a task)
MATRIX = [
    pytest.param("stdio", True, id="stdio-subprocess"),
    pytest.param("stateful-json", False, id="http-stateful-json"),
    pytest.param("stateful-sse", True, id="http-stateful-sse"),
    pytest.param("stateless", False, id="http-stateless"),
]


@contextlib.asynccontextmanager
async def _handle_client(
    transport: str, elicitation: Any
) -> AsyncIterator[tuple[mcplite.Client, Server | None, list[tuple[str, str, str | None]]]]:
    """A tasks client of make_server()'s tools on ``transport``; (over HTTP) the server, and
    each tasks/* POST it received: (method, params.taskId, its Mcp-Name header)."""
    options: dict[str, Any] = {"protocol_version": NEW, "tasks": True, "elicitation": elicitation}
    if transport == "stdio":
        async with mcplite.connect([sys.executable, str(TASK_SERVER)], **options) as client:
            yield client, None, []
        return
    server = make_server()
    srv = StreamableHTTPServer(
        server,
        stateless=transport == "stateless",
        json_response=transport == "stateful-json",
    )
    posts: list[tuple[str, str, str | None]] = []
    post = srv.app._post

    def recording_post(headers: Any, body: bytes, responder: Any, peek: Any = None) -> Any:
        try:
            msg = json.loads(body)
        except ValueError:
            msg = None
        if isinstance(msg, dict) and str(msg.get("method", "")).startswith("tasks/"):
            name = headers.get(b"mcp-name")
            posts.append(
                (
                    msg["method"],
                    msg.get("params", {}).get("taskId"),
                    None if name is None else name.decode("latin-1"),
                )
            )
        return post(headers, body, responder, peek)

    srv.app._post = recording_post  # type: ignore[method-assign]
    async with srv, mcplite.connect(srv.url, **options) as client:
        yield client, server, posts


async def _until(handle: ToolTask, status: str) -> DetailedTask:
    while (state := await handle.status()).status != status:
        assert not state.terminal, state
        await asyncio.sleep(0.01)
    return state


@pytest.mark.parametrize(("transport", "sse"), MATRIX)
async def test_client_handle_matrix(transport: str, sse: bool) -> None:
    # The client handle against mcplite's own server: over stdio (a real subprocess), over
    # loopback streamable HTTP on a stateful server (JSON answers, and SSE answers where the
    # handler notifies before it becomes a task) and on a stateless one, all 2026-07-28.
    asked: list[str] = []

    async def elicitation(request: t.ElicitParams) -> t.ElicitResult:
        asked.append(request.message)
        return t.ElicitResult(action="accept", content={})

    async with (
        asyncio.timeout(60),
        _handle_client(transport, elicitation) as (client, server, posts),
    ):
        # status() and wait(); on_status hears every change.
        seen: list[str] = []
        handle = await client.start_tool_task(
            "slow", {"seconds": 0.2}, on_status=lambda s: seen.append(s.status)
        )
        assert handle.task_id and handle.last is not None and handle.last.status == "working"
        state = await handle.status()
        assert state.task_id == handle.task_id and state.status in ("working", "completed")
        assert (await handle.wait()).text == "slept 0.2"
        assert seen[-1] == "completed" and (await handle.status()).status == "completed"

        # input_required: wait() answers through the client's elicitation callback.
        handle = await client.start_tool_task("confirm", {"what": "a"})
        state = await _until(handle, "input_required")
        assert state.input_requests is not UNSET
        [request] = state.input_requests.values()
        assert request.method == "elicitation/create"
        assert (await handle.wait()).text == "accept a"
        assert asked == ["Delete a?"]

        # update() by hand: wait() then does not answer that key again.
        handle = await client.start_tool_task("confirm", {"what": "b"})
        state = await _until(handle, "input_required")
        assert state.input_requests is not UNSET
        [key] = state.input_requests
        await handle.update({key: t.ElicitResult(action="decline")})
        assert (await handle.wait()).text == "decline b"
        assert asked == ["Delete a?"]

        # cancel(): the task ends cancelled, wait() says so, a second cancel() is a no-op.
        handle = await client.start_tool_task("slow", {"seconds": 30})
        await handle.cancel()
        assert (await handle.status()).status == "cancelled"
        with pytest.raises(RPCError) as info:
            await handle.wait()
        assert info.value.code == REQUEST_CANCELLED
        await handle.cancel()

        # Cancelling the task awaiting wait() sends tasks/cancel.
        handle = await client.start_tool_task("slow", {"seconds": 30})
        waiter = asyncio.ensure_future(handle.wait())
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (await handle.status()).status == "cancelled"

        # A failed task raises its error.
        with pytest.raises(RPCError) as failed:
            await (await client.start_tool_task("broken")).wait()
        assert failed.value.code == -32603 and "deliberately" in failed.value.message

        # A plain call_tool waits for the task transparently, input included.
        assert (await client.call_tool("confirm", {"what": "c"})).text == "accept c"
        assert asked == ["Delete a?", "Delete c?"]

        # An explicit timeout bounds the whole call: on expiry the task is cancelled
        # (tasks/cancel) and RequestTimeout raised, as for a call answered directly.
        with pytest.raises(mcplite.RequestTimeout, match=r"did not end within 0\.3 s"):
            await client.call_tool("slow", {"seconds": 30}, timeout=0.3)
        if server is not None:
            assert not server.tasks.runs  # no handler left running

        # A deferred call, progress first where sse: over HTTP that notification can only
        # arrive on the tools/call POST's SSE answer, the CreateTaskResult after it.
        progress: list[str | None] = []
        done = await client.call_tool(
            "deferred",
            {"notify": sse},
            on_progress=lambda value, total, message: progress.append(message),
        )
        assert done.text == "deferred done"
        assert progress == (["before the task"] if sse else [])

    if transport != "stdio":
        # SEP-2663 "Streamable HTTP: Routing Headers": every tasks/* POST carried
        # Mcp-Name = params.taskId (the server refuses one without it, too).
        assert {method for method, _, _ in posts} >= {"tasks/get", "tasks/update", "tasks/cancel"}
        assert all(task_id and name == task_id for _, task_id, name in posts), posts


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


async def test_what_finished_tasks_keep() -> None:
    # Python's own allocation count (tracemalloc), not RSS: it does not depend on the
    # allocator or on CPU load. Measured outside pytest for 300 to 1,000 tasks, -X dev or
    # not, on 3.11 and 3.13: about 2.7 KB per finished task with its handle and result
    # kept (4.5 KB while handles kept an asyncio.Event and decoded results), about 1.0 KB
    # once they are dropped (1.3-1.4 KB while the store kept results as dicts). Under the
    # test runner (asyncio debug mode, log capture) both read up to 250 B more: 2.5-2.7 KB
    # and 1.0-1.25 KB (5.0 and 1.8 KB before), hence the bounds.
    server = make_server()
    n = 300
    async with mcplite.connect(server, protocol_version=NEW, tasks=True) as client:
        # A warm-up round of the same calls: one-time costs (asyncio debug mode's
        # linecache of the source lines it keeps tracebacks of, caches, code objects)
        # are not per task.
        warm = await asyncio.gather(
            *(client.start_tool_task("slow", {"seconds": 0.05}) for _ in range(20))
        )
        await asyncio.gather(*(h.wait() for h in warm))
        del warm
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            handles = await asyncio.gather(
                *(client.start_tool_task("slow", {"seconds": 0.05}) for _ in range(n))
            )
            results = await asyncio.gather(*(h.wait() for h in handles))
            assert all(r.text == "slept 0.05" for r in results)
            await asyncio.sleep(0.05)
            gc.collect()
            kept = (tracemalloc.get_traced_memory()[0] - base) / n
            del handles, results
            gc.collect()
            stored = (tracemalloc.get_traced_memory()[0] - base) / n
        finally:
            tracemalloc.stop()
        assert len(server.tasks.store) == n + 20  # type: ignore[arg-type]
    print(f"per finished task: {kept:.0f} B with its handle and result, {stored:.0f} B stored")
    assert kept < 3500  # the handle keeps its last state, the result encoded, no Event
    assert stored < 1600  # the store keeps a record and the result's bytes, nothing more
