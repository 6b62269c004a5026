"""What a stream shared through Redis promises when parts fail (issue 19): a resumed stream
whose writer died or went silent ends with a JSON-RPC error (never a hang); a stream whose
events the store missed tells its client; the store's replay logs are bounded in bytes; a
session record of another layout is refused.  Real redis-server and worker processes."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcplite._io.httpclient import HTTPClient
from mcplite._server.store import MemoryStore
from tests.server._shared_client import SSE, Client, text_of
from tests.server.redis_fixture import (
    RedisServer,
    Workers,
    redis_server_or_skip,
    start_workers,
    stop_workers,
)

A, B = 0, 1
HEARTBEAT = 1.0  # the workers' heartbeat ttl here (--heartbeat)
RESUME_WAIT = 4.0  # and their bound on a silent resumed stream (--resume-wait)


@pytest.fixture
def fragile() -> Iterator[Workers]:
    """Own redis-server and workers: the tests kill a worker or stop Redis."""
    for redis in redis_server_or_skip():
        workers = start_workers(
            redis,
            2,
            "--heartbeat",
            str(HEARTBEAT),
            "--resume-wait",
            str(RESUME_WAIT),
            "--revalidate-always",
            "--max-event-bytes",
            "1000",
            "--max-stream-bytes",
            "4000",
        )
        try:
            yield workers
        finally:
            stop_workers(workers)


def touch(path: str) -> None:
    Path(path).touch()


def call_body(c: Client, name: str, **arguments: Any) -> dict[str, Any]:
    return c.request_body("tools/call", {"name": name, "arguments": arguments})


async def stored(redis: RedisServer, sid: str, key: str) -> None:
    """Wait until the writer has handed the stream's first events to Redis."""
    for _ in range(250):
        with redis.client() as r:
            if r.exists(f"mcplite:{{{sid}}}:e:{key}"):
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"stream {key} never reached Redis")


async def open_slow_call_on_a(c: Client) -> tuple[SSE, str, int]:
    """A call that never ends, running on A: (its stream, the priming event id, its id)."""
    body = call_body(c, "slow")
    stream = SSE(await c.post(A, body))
    priming = await stream.next()
    assert priming is not None and priming[1] is None and priming[0] is not None, priming
    return stream, priming[0], body["id"]


async def test_resume_on_b_after_the_writer_was_killed_gets_an_error_not_a_hang(
    fragile: Workers,
) -> None:
    redis = fragile.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(B)
        stream, eid, rid = await open_slow_call_on_a(c)
        assert c.sid is not None
        await stored(redis, c.sid, eid.split("_")[0])
        fragile.procs[A].send_signal(signal.SIGKILL)
        fragile.procs[A].wait(5)
        await stream.aclose()
        resp = await c.get(B, **{"last-event-id": eid})
        assert resp.status == 200
        resumed = SSE(resp)
        # Within the heartbeat (1 s) and a check, well before the bound; a hang would be the
        # SSE reader's timeout here.
        _, msg = await resumed.message(timeout=RESUME_WAIT)
        assert msg["id"] == rid and msg["error"]["code"] == -32000, msg
        assert "is gone (no heartbeat for 1 s)" in msg["error"]["message"], msg
        assert await resumed.next() is None  # and the stream ended
        assert text_of(await c.call(B, "echo", text="on")) == "on"


async def test_resume_on_b_of_a_silent_live_writer_ends_after_resume_wait(
    fragile: Workers,
) -> None:
    redis = fragile.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(A)
        stream, eid, rid = await open_slow_call_on_a(c)
        assert c.sid is not None
        await stored(redis, c.sid, eid.split("_")[0])
        resumed = SSE(await c.get(B, **{"last-event-id": eid}))
        _, msg = await resumed.message(timeout=RESUME_WAIT * 3)
        assert msg["id"] == rid and msg["error"]["code"] == -32000, msg
        assert "nothing new on this resumed stream for 4 s" in msg["error"]["message"], msg
        assert await resumed.next() is None
        await stream.aclose()


async def test_event_store_down_mid_call_tells_the_client_and_the_call_completes(
    fragile: Workers, tmp_path: Path
) -> None:
    redis = fragile.redis
    assert redis is not None
    gate = str(tmp_path / "gate")
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(A)
        stream = SSE(await c.post(A, call_body(c, "gated", path=gate)))
        _, msg = await stream.message()
        assert msg["params"]["data"] == "before", msg
        redis.stop()
        touch(gate + ".1")
        _, msg = await stream.message()
        assert msg["params"]["data"] == "after", msg  # the client still gets every event
        _, note = await stream.message()
        assert note["method"] == "notifications/message", note
        assert note["params"]["level"] == "error" and note["params"]["logger"] == "mcplite.store"
        text = note["params"]["data"]
        assert "replay of this stream is not durable" in text, text
        assert "the event store refused its events (Redis unreachable" in text, text
        touch(gate + ".2")
        _, result = await stream.message()
        assert text_of(result) == "gated"


async def test_an_event_over_max_event_bytes_is_not_stored_and_the_client_is_told(
    fragile: Workers, tmp_path: Path
) -> None:
    redis = fragile.redis
    assert redis is not None
    gate = str(tmp_path / "gate")
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(A)
        stream = SSE(await c.post(A, call_body(c, "gated", path=gate, pad=2000)))
        eid, msg = await stream.message()
        assert msg["params"]["data"] == "before" + "x" * 2000  # sent, just not stored
        _, note = await stream.message()
        assert "not durable: an event of" in note["params"]["data"], note
        assert "over the store's max_event_bytes (1000)" in note["params"]["data"], note
        touch(gate + ".1")
        touch(gate + ".2")
        while "result" not in msg:
            _, msg = await stream.message()
        assert text_of(msg) == "gated"
        assert eid is not None and c.sid is not None
        with redis.client() as r:
            rows = r.xrange(f"mcplite:{{{c.sid}}}:e:{eid.split('_')[0]}")
        assert rows, "the events before the big one are kept"
        assert all(len(fields[b"d"]) <= 1000 for _, fields in rows), rows


async def test_a_client_that_never_reads_keeps_redis_within_max_stream_bytes(
    fragile: Workers,
) -> None:
    redis = fragile.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(A)
        # 300 events of about 300 bytes, never read, on a stream capped at 4000 bytes.
        resp = await c.post(A, call_body(c, "say", text="y" * 200, times=300))
        assert c.sid is not None
        prefix = f"mcplite:{{{c.sid}}}:e:"
        with redis.client() as r:
            for _ in range(250):
                keys = [k for k in r.keys(prefix + "*") if k.decode()[len(prefix) :].isdigit()]
                if keys:
                    rows = r.xrange(keys[0])
                    if rows and rows[-1][1][b"d"] == b"":  # the end marker: all flushed
                        break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the stream never ended in Redis")
            sizes = [len(fields[b"d"]) for _, fields in rows]
            assert 0 < sum(sizes) <= 4000, sizes
            assert len(sizes) < 16  # the byte cap bound it, not the count
            meta = r.hgetall(keys[0].replace(b":e:", b":n:"))
            assert int(meta[b"b"]) == sum(sizes)
        await resp.aclose()
        assert text_of(await c.call(B, "echo", text="fine")) == "fine"


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_the_event_store_bounds_a_stream_in_bytes(
    backend: str, request: pytest.FixtureRequest
) -> None:
    store: Any
    if backend == "redis":
        from mcplite._server.redis_store import RedisStore

        redis: RedisServer = request.getfixturevalue("redis_server")
        store = RedisStore(redis.url, prefix="bytes-test:")
    else:
        store = MemoryStore()
    try:
        for i in range(0, 50, 5):  # batches of five 300-byte events
            batch: list[tuple[int | None, bytes]] = [(j, b"e" * 300) for j in range(i, i + 5)]
            await store.events.append("s", "7", batch, 256, 60.0, max_bytes=2000)
        kept = await store.events.replay("s", "7", -1)
        assert [i for i, _ in kept] == [44, 45, 46, 47, 48, 49]  # the newest 6 x 300 <= 2000
        await store.events.append("s", "7", [(50, b"f" * 1500)], 256, 60.0, max_bytes=2000)
        kept = await store.events.replay("s", "7", -1)
        assert [i for i, _ in kept] == [49, 50]
        meta = json.dumps({"w": "x"}).encode()
        await store.events.append("s", "7", [], 256, 60.0, meta=meta)
        assert await store.events.meta("s", "7") == meta
        assert await store.events.meta("s", "8") is None
    finally:
        await store.aclose()


def test_byte_caps_that_cannot_hold_one_event_are_refused() -> None:
    with pytest.raises(ValueError, match="one event must fit in its stream"):
        MemoryStore(max_event_bytes=10, max_stream_bytes=5)
    from mcplite._server.redis_store import RedisStore

    with pytest.raises(ValueError, match="got max_event_bytes=0"):
        RedisStore(max_event_bytes=0)


async def test_a_session_record_of_another_version_is_refused_on_every_worker(
    fragile: Workers,
) -> None:
    redis = fragile.redis
    assert redis is not None
    async with HTTPClient() as http:
        c = Client(http, fragile.ports)
        await c.initialize(A)
        assert text_of(await c.call(B, "echo", text="x")) == "x"  # B holds a copy too
        key = f"mcplite:{{{c.sid}}}:r"
        with redis.client() as r:
            original = r.get(key)
            record = json.loads(original)
            assert record["v"] == 1, record
            newer = {**record, "v": 2, "protocol_version": ["renamed"]}
            unversioned = {k: v for k, v in record.items() if k != "v"}
            cases = [(newer, "has version 2"), (unversioned, "has no version")]
            for changed, says in cases:
                r.set(key, json.dumps(changed), keepttl=True)
                for worker in (A, B):
                    status, body = await c.status_of(worker, "tools/list")
                    assert status == 503, (worker, body)
                    message = body["error"]["message"]
                    assert says in message and "this worker reads version 1" in message, body
            r.set(key, original, keepttl=True)
        # Refused, not misread nor ended: with its record back, the session carries on.
        assert text_of(await c.call(B, "echo", text="back")) == "back"
        assert text_of(await c.call(A, "echo", text="back")) == "back"
