"""notifications/tasks (SEP-2663 "Task Status Notifications"), client side: a waiting task
handle hears its task's state on a subscriptions/listen instead of polling, and
``Client(on_task_status=)`` sees every pushed state; against mcplite's server in memory,
over stdio and over both streamable HTTP modes."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite import Server, types as t
from mcplite._core.tasks import DetailedTask
from mcplite._server.streamable_run import StreamableHTTPServer

NEW = "2026-07-28"
# A poll interval no test waits out: a handle that finishes did so on a notification.
SLOW_POLL_SECONDS = 600.0

SERVER_SOURCE = """
import asyncio, sys
from mcplite import Context, Server

def make_server(poll: float) -> Server:
    server = Server("task-notify", task_poll_interval=poll)
    calls = server.calls = {}

    @server.middleware
    async def count(ctx, call_next):
        calls[ctx.method] = calls.get(ctx.method, 0) + 1
        return await call_next()

    @server.tool(task_support="required")
    async def confirm(ctx: Context, what: str) -> str:
        r = await ctx.elicit(f"Delete {what}?", {"type": "object", "properties": {}})
        await asyncio.sleep(0.05)
        return f"{r.action} {what}"

    @server.tool(task_support="required")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return f"slept {seconds:g}"

    @server.tool()
    def polls() -> str:
        return str(calls.get("tasks/get", 0))

    return server

if __name__ == "__main__":
    make_server(float(sys.argv[1])).run()
"""


def _make(poll: float = SLOW_POLL_SECONDS) -> Server:
    scope: dict[str, Any] = {"__name__": "task_notify_server"}
    exec(SERVER_SOURCE, scope)
    server: Server = scope["make_server"](poll)
    return server


async def _accept(request: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={})


async def _exercise(client: mcplite.Client, pushed: list[DetailedTask]) -> None:
    seen: list[str] = []
    handle = await client.start_tool_task(
        "confirm", {"what": "a.txt"}, on_status=lambda s: seen.append(s.status)
    )
    result = await asyncio.wait_for(handle.wait(), 30)
    assert result.content[0].text == "accept a.txt"  # type: ignore[union-attr]
    assert seen[-1] == "completed" and "input_required" in seen
    assert not handle.pushed  # its listen ended with the task
    # Every state came on notifications/tasks: not one tasks/get poll.
    polls = await client.call_tool("polls")
    assert polls.content[0].text == "0"  # type: ignore[union-attr]
    mine = [s for s in pushed if s.task_id == handle.task_id]
    assert [s.status for s in mine][-1] == "completed"
    assert "input_required" in {s.status for s in mine}
    assert mine[-1].result is not mcplite.types.UNSET
    # Several handles waiting together share one tasks listen, reopened as they join.
    handles = await asyncio.gather(
        *(client.start_tool_task("slow", {"seconds": 0.05 * i}) for i in range(5))
    )
    results = await asyncio.wait_for(asyncio.gather(*(h.wait() for h in handles)), 30)
    assert [r.content[0].text for r in results] == [  # type: ignore[union-attr]
        f"slept {0.05 * i:g}" for i in range(5)
    ]
    assert (await client.call_tool("polls")).content[0].text == "0"  # type: ignore[union-attr]
    # Done waiting: the tasks listen is gone (the server ended it, or the client did).
    for _ in range(100):
        if client._task_listen is None and not client._task_watchers:
            break
        await asyncio.sleep(0.01)
    assert client._task_listen is None and not client._task_watchers


async def test_in_memory() -> None:
    pushed: list[DetailedTask] = []
    async with mcplite.connect(
        _make(),
        protocol_version=NEW,
        tasks=True,
        elicitation=_accept,
        on_task_status=pushed.append,
    ) as client:
        await _exercise(client, pushed)


async def test_over_stdio(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER_SOURCE)
    pushed: list[DetailedTask] = []
    async with mcplite.connect(
        [sys.executable, str(script), str(SLOW_POLL_SECONDS)],
        protocol_version=NEW,
        tasks=True,
        elicitation=_accept,
        on_task_status=pushed.append,
    ) as client:
        await _exercise(client, pushed)


@pytest.mark.parametrize("stateless", [True, False])
async def test_over_streamable_http(stateless: bool) -> None:
    pushed: list[DetailedTask] = []
    async with (
        StreamableHTTPServer(_make(), stateless=stateless) as srv,
        mcplite.connect(
            f"http://127.0.0.1:{srv.port}/mcp",
            tasks=True,
            elicitation=_accept,
            on_task_status=pushed.append,
        ) as client,
    ):
        assert client.protocol_version == NEW
        await _exercise(client, pushed)


async def test_polls_when_notifications_cannot_come() -> None:
    # listen=False: no subscriptions/listen at all; the handle polls at pollIntervalMs.
    server = _make(poll=0.01)
    async with mcplite.connect(
        server, protocol_version=NEW, tasks=True, elicitation=_accept, listen=False
    ) as client:
        handle = await client.start_tool_task("slow", {"seconds": 0.1})
        assert (await handle.wait()).content[0].text == "slept 0.1"  # type: ignore[union-attr]
        assert not handle.pushed and not client._task_watchers
        polls = await client.call_tool("polls")
        assert int(polls.content[0].text) > 0  # type: ignore[union-attr]


async def test_a_handle_cancelled_while_pushed_sends_tasks_cancel() -> None:
    server = _make()
    statuses: Counter[str] = Counter()
    async with mcplite.connect(
        server,
        protocol_version=NEW,
        tasks=True,
        on_task_status=lambda s: statuses.update([s.status]),
    ) as client:
        handle = await client.start_tool_task("slow", {"seconds": 30})
        waiter = asyncio.ensure_future(handle.wait())
        for _ in range(500):
            if handle.pushed:
                break
            await asyncio.sleep(0.01)
        assert handle.pushed
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (await handle.status()).status == "cancelled"
        assert not client._task_watchers
        # Unwatched is unpushed at once: not only once the listen's end is read (CI saw a
        # finished wait() whose handle still said pushed).
        assert not handle.pushed


async def _until_pushed(*handles: Any) -> None:
    for _ in range(500):
        if all(h.pushed for h in handles):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server never agreed to push these tasks")


async def test_a_burst_of_task_states_reaches_every_waiting_handle() -> None:
    # The client runs at most max_server_requests notification tasks at once and drops the
    # rest (a flood guard). Task states (and listen acknowledgements) are now recorded as
    # they are read, not in such a task: a burst of them, many tasks ending together, lost
    # some, and a handle the server had agreed to push to slept until its 30 s safety poll.
    server = _make()
    gate = asyncio.Event()

    @server.tool(task_support="required")
    async def gated() -> str:
        await gate.wait()
        return "released"

    async with mcplite.connect(
        server, protocol_version=NEW, tasks=True, max_server_requests=2
    ) as client:
        # One task stays running, so the listen stays open: the handles must hear
        # their tasks end on it.
        running = await client.start_tool_task("slow", {"seconds": 30})
        handles = [await client.start_tool_task("gated") for _ in range(12)]
        waits = [asyncio.ensure_future(h.wait()) for h in (running, *handles)]
        await _until_pushed(running, *handles)
        gate.set()
        async with asyncio.timeout(10):  # far below the 30 s a lost state cost
            results = await asyncio.gather(*waits[1:])
        assert [r.text for r in results] == ["released"] * 12
        assert running.pushed  # the listen was still open throughout
        waits[0].cancel()
        with pytest.raises(asyncio.CancelledError):
            await waits[0]


async def test_a_listen_that_ends_wakes_its_handles_to_poll() -> None:
    # A handle the server pushes to polls only every 30 s; when the tasks listen ends it is
    # no longer pushed to and polls at once, so a state the listen did not deliver (here:
    # none is heard at all) costs one tasks/get, not the safety interval.
    server = _make()
    async with mcplite.connect(server, protocol_version=NEW, tasks=True) as client:
        client._task_notified = lambda state: None  # type: ignore[method-assign]
        handle = await client.start_tool_task("slow", {"seconds": 0.2})
        waiter = asyncio.ensure_future(handle.wait())
        await _until_pushed(handle)
        async with asyncio.timeout(10):
            # The server ends the listen once the task's terminal state is sent.
            assert (await waiter).text == "slept 0.2"
        assert not handle.pushed
