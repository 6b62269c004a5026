"""Sessions shared by two workers (issue 19): no sticky routing, on MemoryStore and Redis.

Every test runs against two in-process workers sharing a ``MemoryStore`` and against two
worker processes sharing a real ``redis-server`` (started here on a free loopback port,
persistence off; skipped, saying why, only when no redis-server or redis-py is installed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mcplite._core.tasks import TASKS_EXTENSION
from mcplite._io.httpclient import HTTPClient
from mcplite._server.store import MemoryStore
from mcplite._server.streamable_run import StreamableHTTPServer
from tests.server import shared_worker
from tests.server._shared_client import SSE, Client, answer, text_of
from tests.server.redis_fixture import Workers, start_workers, stop_workers

A, B = 0, 1


@contextlib.asynccontextmanager
async def memory_workers(**options: Any) -> AsyncIterator[Workers]:
    store = MemoryStore(max_events_per_stream=16)
    servers = [StreamableHTTPServer(shared_worker.build(store), **options) for _ in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for srv in servers:
            await stack.enter_async_context(srv)
        yield Workers([srv.port for srv in servers], None, store)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Workers | None:
    """None: two workers in this process on a MemoryStore; else two processes on Redis."""
    if request.param == "memory":
        return None
    workers: Workers = request.getfixturevalue("redis_workers")
    return workers


@contextlib.asynccontextmanager
async def running(
    backend: Workers | None, **options: Any
) -> AsyncIterator[tuple[Workers, HTTPClient]]:
    async with HTTPClient() as http:
        if backend is None:
            async with memory_workers(**options) as w:
                yield w, http
        else:
            yield backend, http


async def test_initialize_on_a_then_requests_on_b(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        assert text_of(await c.call(B, "echo", text="hi")) == "hi"
        assert text_of(await c.call(A, "echo", text="again")) == "again"
        tools = await c.request(B, "tools/list")
        assert "echo" in {tool["name"] for tool in tools["result"]["tools"]}


async def test_delete_on_b_ends_the_session_everywhere(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        assert text_of(await c.call(A, "echo", text="x")) == "x"
        assert await c.delete(B) == 204
        for worker in (A, B):
            status, body = await c.status_of(worker, "tools/list")
            assert status == 404 and body["error"]["code"] == -32001, body


async def test_a_forged_session_id_is_404_on_every_worker(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        c.sid = "forged-" + "x" * 24
        for worker in (A, B):
            status, body = await c.status_of(worker, "tools/list")
            assert status == 404, body
            assert body["error"] == {"code": -32001, "message": "Not Found: unknown session id"}
            assert (await c.get(worker)).status == 404
            assert await c.delete(worker) == 404


async def test_a_notification_made_on_a_reaches_the_get_stream_on_b(
    backend: Workers | None,
) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        resp = await c.get(B)
        assert resp.status == 200
        stream = SSE(resp)
        priming = await stream.next()
        assert priming is not None and priming[1] is None  # the SEP-1699 priming event
        assert text_of(await c.call(A, "shout", text="over here")) == "shouted"
        eid, msg = await stream.message()
        assert msg["method"] == "notifications/message" and msg["params"]["data"] == "over here"
        assert eid is not None and eid.startswith("0_")
        await stream.aclose()
        # Resumed on A from that event id: nothing missed yet, then what follows.
        resp = await c.get(A, **{"last-event-id": eid})
        assert resp.status == 200
        again = SSE(resp)
        assert text_of(await c.call(B, "shout", text="later")) == "shouted"
        _, msg = await again.message()
        assert msg["params"]["data"] == "later"
        await again.aclose()


@pytest.mark.parametrize(
    ("tool", "method", "params", "result", "expected"),
    [
        pytest.param(
            "ask",
            "elicitation/create",
            {"message": "name?"},
            {"action": "accept", "content": {"n": "Bo"}},
            "accept:Bo",
            id="elicit",
        ),
        pytest.param(
            "muse",
            "sampling/createMessage",
            {"maxTokens": 5},
            {"role": "assistant", "content": {"type": "text", "text": "lark"}, "model": "m1"},
            "m1:lark",
            id="sample",
        ),
    ],
)
async def test_a_request_from_a_is_answered_by_a_post_to_b(
    backend: Workers | None,
    tool: str,
    method: str,
    params: dict[str, Any],
    result: dict[str, Any],
    expected: str,
) -> None:
    """``ctx.elicit`` / ``ctx.sample`` in a handler on A; the client POSTs the answer to B."""
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        resp = await c.post(A, c.request_body("tools/call", {"name": tool, "arguments": {}}))
        stream = SSE(resp)
        _, ask = await stream.message()
        assert ask["method"] == method
        assert params.items() <= ask["params"].items(), ask
        answered = await c.post(B, {"jsonrpc": "2.0", "id": ask["id"], "result": result})
        assert answered.status == 202
        await answered.read()
        _, final = await stream.message()
        assert text_of(final) == expected
        await stream.aclose()


async def test_last_event_id_resumption_on_b_of_a_stream_a_wrote(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        resp = await c.post(A, c.request_body("tools/call", {"name": "poll", "arguments": {}}))
        stream = SSE(resp)
        events = []
        while (got := await stream.next()) is not None:
            events.append(got)
        # priming, "before", then the retry event; the server dropped the connection.
        assert any(m is not None and m["params"]["data"] == "before" for _, m in events), events
        last = [eid for eid, _ in events if eid is not None][-1]
        resumed = SSE(await c.get(B, **{"last-event-id": last}))
        _, after = await resumed.message()
        assert after["params"]["data"] == "after"
        _, result = await resumed.message()
        assert text_of(result) == "polled"
        assert await resumed.next() is None  # the stream ended with its answer


async def test_subscribe_on_a_update_published_on_b(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        assert "result" in await c.request(A, "resources/subscribe", {"uri": "note://x"})
        stream = SSE(await c.get(B))
        assert text_of(await c.call(B, "touch", uri="note://x")) == "touched"
        _, msg = await stream.message()
        assert msg == {
            "jsonrpc": "2.0",
            "method": "notifications/resources/updated",
            "params": {"uri": "note://x"},
        }
        # Exactly once: the next message is the one we cause next, not a duplicate.
        assert text_of(await c.call(A, "shout", text="marker")) == "shouted"
        _, msg = await stream.message()
        assert msg["method"] == "notifications/message", msg
        await stream.aclose()


async def test_log_level_set_on_b_holds_on_a(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        assert "result" in await c.request(B, "logging/setLevel", {"level": "error"})
        resp = await c.post(A, c.request_body("tools/call", {"name": "poll", "arguments": {}}))
        stream = SSE(resp)
        seen = []
        while (got := await stream.next()) is not None:
            seen.append(got[1])
        assert all(m is None or m.get("method") != "notifications/message" for m in seen), seen


@pytest.fixture(params=["memory", "redis"])
def auth_backend(request: pytest.FixtureRequest) -> Iterator[Workers | None]:
    """As ``backend``, with bearer auth on every worker (alice-token, bob-token)."""
    if request.param == "memory":
        yield None
        return
    workers = start_workers(request.getfixturevalue("redis_server"), 2, "--auth")
    try:
        yield workers
    finally:
        stop_workers(workers)


async def test_another_users_token_gets_404_on_every_worker(auth_backend: Workers | None) -> None:
    # The session's owner (the token's subject) is in the shared record: a worker that never
    # saw the session still refuses another user's token with it, as one process does.
    async with running(auth_backend, auth=shared_worker.auth()) as (w, http):
        alice = Client(http, w.ports, token="alice-token")
        await alice.initialize(A)
        assert text_of(await alice.call(B, "echo", text="mine")) == "mine"
        bob = Client(http, w.ports, token="bob-token")
        bob.sid = alice.sid
        for worker in (A, B):
            status, body = await bob.status_of(worker, "tools/list")
            assert status == 404 and body["error"]["code"] == -32001, body
        assert text_of(await alice.call(A, "echo", text="still")) == "still"


async def test_answers_stay_json_when_asked() -> None:
    async with HTTPClient() as http, memory_workers(json_response=True) as w:
        c = Client(http, w.ports)
        await c.initialize(A)
        resp = await c.post(
            B, c.request_body("tools/call", {"name": "echo", "arguments": {"text": "j"}})
        )
        assert resp.content_type == "application/json"
        assert text_of(json.loads(await resp.read())) == "j"


async def test_a_client_that_never_reads_costs_a_bounded_log(backend: Workers | None) -> None:
    async with running(backend) as (workers, http):
        c = Client(http, workers.ports)
        await c.initialize(A)
        resp = await c.get(B)  # opened, never read
        assert resp.status == 200
        assert text_of(await c.call(A, "shout", text="y" * 200, times=200)) == "shouted"
        assert c.sid is not None
        # The store gets the events in the background: wait for the last of them.
        deadline = asyncio.get_running_loop().time() + 5
        while (kept := await workers.events_kept(c.sid, "0")) < 16:
            assert asyncio.get_running_loop().time() < deadline, kept
            await asyncio.sleep(0.01)
        assert kept == 16  # of 200: the log is bounded
        if workers.redis is not None:
            assert 0 < workers.redis.ttl(c.sid, "e:0") <= 1800
        assert text_of(await c.call(B, "echo", text="alive")) == "alive"
        await resp.aclose()


async def stateless_call(
    http: HTTPClient, port: int, method: str, params: dict[str, Any], name: str
) -> Any:
    """A 2026-07-28 request declaring the tasks extension (SEP-2663)."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {
            "extensions": {TASKS_EXTENSION: {}},
            "elicitation": {},
        },
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": meta}}
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        "mcp-name": name,
    }
    url = f"http://127.0.0.1:{port}/mcp"
    resp = await http.request("POST", url, headers, json.dumps(body).encode())
    return await answer(resp)


async def test_a_task_started_on_a_is_read_and_cancelled_through_b(
    redis_workers: Workers,
) -> None:
    a, b = redis_workers.ports
    async with HTTPClient() as http:
        created = await stateless_call(
            http, a, "tools/call", {"name": "long_job", "arguments": {}}, "long_job"
        )
        assert created["result"]["resultType"] == "task", created
        task_id = created["result"]["taskId"]
        got = await stateless_call(http, b, "tasks/get", {"taskId": task_id}, task_id)
        assert got["result"]["status"] == "working", got
        cancelled = await stateless_call(http, b, "tasks/cancel", {"taskId": task_id}, task_id)
        assert cancelled["result"]["resultType"] == "complete", cancelled
        got = await stateless_call(http, a, "tasks/get", {"taskId": task_id}, task_id)
        assert got["result"]["status"] == "cancelled", got
        # The handler on A was cancelled too (told on the bus), and stays cancelled.
        c = Client(http, [a])
        await c.initialize(0)
        deadline = asyncio.get_running_loop().time() + 5
        while "long_job" not in text_of(await c.call(0, "cancelled_here")):
            assert asyncio.get_running_loop().time() < deadline, "A's handler still runs"
            await asyncio.sleep(0.02)
        got = await stateless_call(http, b, "tasks/get", {"taskId": task_id}, task_id)
        assert got["result"]["status"] == "cancelled", got


async def test_a_task_started_on_a_is_updated_through_b(redis_workers: Workers) -> None:
    """tasks/update on B delivers the answer to the handler parked on A (SEP-2663)."""
    a, b = redis_workers.ports
    async with HTTPClient() as http:
        created = await stateless_call(
            http, a, "tools/call", {"name": "ask_job", "arguments": {}}, "ask_job"
        )
        assert created["result"]["resultType"] == "task", created
        task_id = created["result"]["taskId"]
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            got = await stateless_call(http, b, "tasks/get", {"taskId": task_id}, task_id)
            if got["result"]["status"] == "input_required":
                break
            assert got["result"]["status"] == "working", got
            assert asyncio.get_running_loop().time() < deadline, got
            await asyncio.sleep(0.02)
        (key,) = got["result"]["inputRequests"]
        assert got["result"]["inputRequests"][key]["method"] == "elicitation/create"
        # A malformed answer is refused by B itself, naming the key; the task stays parked.
        bad = await stateless_call(
            http,
            b,
            "tasks/update",
            {"taskId": task_id, "inputResponses": {key: {"action": 7}}},
            task_id,
        )
        assert bad["error"]["code"] == -32602, bad
        assert key in bad["error"]["message"], bad
        good = {"action": "accept", "content": {"n": "bee"}}
        updated = await stateless_call(
            http, b, "tasks/update", {"taskId": task_id, "inputResponses": {key: good}}, task_id
        )
        assert "error" not in updated, updated
        while True:
            got = await stateless_call(http, b, "tasks/get", {"taskId": task_id}, task_id)
            if got["result"]["status"] == "completed":
                break
            assert got["result"]["status"] in ("input_required", "working"), got
            assert asyncio.get_running_loop().time() < deadline, got
            await asyncio.sleep(0.02)
        assert got["result"]["result"]["content"][0]["text"] == "accept:bee", got
