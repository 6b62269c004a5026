"""Faults of workers sharing sessions through Redis (issue 19): a real redis-server that is
stopped and started again, filled up, and a worker killed with SIGKILL mid-call.  Each test
has its own redis-server and workers (persistence off)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mcplite._io.httpclient import HTTPClient
from tests.server._shared_client import SSE, Client, text_of
from tests.server.redis_fixture import (
    Workers,
    redis_server_or_skip,
    start_workers,
    stop_workers,
)

A, B = 0, 1
# The workers run RedisStore(timeout=0.5, retry_max=0.2): an unreachable Redis is answered
# within about a second; a hang would show as the 30 s test timeout instead.
ANSWER_SECONDS = 3.0


@pytest.fixture
def own() -> Iterator[Workers]:
    for redis in redis_server_or_skip():
        workers = start_workers(redis, 2, "--revalidate-always")
        try:
            yield workers
        finally:
            stop_workers(workers)


async def until_ok(c: Client, worker: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(AssertionError):
            await c.initialize(worker)
            return
        assert time.monotonic() < deadline, "the worker did not recover"
        await asyncio.sleep(0.05)


async def test_redis_restart_mid_session_503_then_recovery(own: Workers) -> None:
    redis = own.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, own.ports)
        await c.initialize(A)
        assert text_of(await c.call(B, "echo", text="before")) == "before"
        redis.stop()
        for worker in (A, B):
            started = time.monotonic()
            status, body = await c.status_of(worker, "tools/list")
            assert time.monotonic() - started < ANSWER_SECONDS
            assert status == 503, body
            assert body["error"]["code"] == -32603
            assert "session store is unreachable" in body["error"]["message"]
        redis.start()  # same port, empty: persistence is off
        fresh = Client(http, own.ports)
        await until_ok(fresh, A)
        assert text_of(await fresh.call(B, "echo", text="after")) == "after"
        # The old session went with Redis's memory: 404, and the client starts a new one.
        status, body = await c.status_of(B, "tools/list")
        assert status == 404 and body["error"]["code"] == -32001, body
        # The pub/sub reader is back too: an answer POSTed to B reaches A's handler.
        resp = await fresh.post(
            A, fresh.request_body("tools/call", {"name": "ask", "arguments": {}})
        )
        stream = SSE(resp)
        _, ask = await stream.message()
        reply = {"jsonrpc": "2.0", "id": ask["id"], "result": {"action": "decline"}}
        answered = await fresh.post(B, reply)
        assert answered.status == 202
        await answered.read()
        _, result = await stream.message()
        assert text_of(result) == "decline:None"
        await stream.aclose()


async def test_worker_sigkill_mid_call_fails_the_call_and_the_next_request_works(
    own: Workers,
) -> None:
    async with HTTPClient() as http:
        c = Client(http, own.ports)
        await c.initialize(A)
        resp = await c.post(B, c.request_body("tools/call", {"name": "slow", "arguments": {}}))
        stream = SSE(resp)
        priming = await stream.next()  # the stream is open: the call runs on B
        assert priming is not None and priming[1] is None
        own.procs[B].send_signal(signal.SIGKILL)
        started = time.monotonic()
        assert await stream.next(timeout=ANSWER_SECONDS) is None  # it fails, never hangs
        assert time.monotonic() - started < ANSWER_SECONDS
        own.procs[B].wait(5)
        assert text_of(await c.call(A, "echo", text="still here")) == "still here"


async def test_redis_full_refuses_new_sessions_clearly_and_keeps_the_running_ones(
    own: Workers,
) -> None:
    redis = own.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, own.ports)
        await c.initialize(A)
        with redis.client() as r:
            used = int(r.info("memory")["used_memory"])
            r.config_set("maxmemory-policy", "noeviction")
            r.config_set("maxmemory", str(used + 64 * 1024))
            filler = 0
            with contextlib.suppress(Exception):
                while filler < 10_000:  # fill up to maxmemory (Redis refuses the next write)
                    r.set(f"filler:{filler}", b"x" * 4096)
                    filler += 1
            before = r.get(f"mcplite:{{{c.sid}}}:r")
        init = Client(http, own.ports)
        body = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        resp = await init.post(B, body)
        assert resp.status == 503
        err = json.loads(await resp.read())["error"]
        assert "Redis is full (maxmemory)" in err["message"], err
        with redis.client() as r:
            assert r.get(f"mcplite:{{{c.sid}}}:r") == before  # not corrupted
            r.config_set("maxmemory", "0")
            r.delete(*[f"filler:{i}" for i in range(filler)])
        assert text_of(await c.call(B, "echo", text="ok")) == "ok"
        await init.initialize(A)


@pytest.fixture
def capped(redis_server: Any) -> Iterator[Workers]:
    workers = start_workers(redis_server, 2, "--max-sessions", "2")
    try:
        yield workers
    finally:
        stop_workers(workers)


async def test_the_session_cap_holds_across_workers(capped: Workers) -> None:
    """RedisStore(max_sessions=2): two sessions, one per worker, fill it for every worker;
    a DELETE anywhere makes room again."""
    body = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    async with HTTPClient() as http:
        first, second = Client(http, capped.ports), Client(http, capped.ports)
        await first.initialize(A)
        await second.initialize(B)
        for worker in (A, B):
            resp = await Client(http, capped.ports).post(worker, body)
            assert resp.status == 503, worker
            err = json.loads(await resp.read())["error"]
            assert "2 sessions open across all workers" in err["message"], err
        assert await first.delete(B) == 204
        third = Client(http, capped.ports)
        await third.initialize(A)
        assert text_of(await third.call(B, "echo", text="in")) == "in"
        assert text_of(await second.call(A, "echo", text="still")) == "still"
