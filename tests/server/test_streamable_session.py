"""_streamable_session unit tests with a recording responder (no sockets)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest

from mcplite._errors import ConnectionClosed
from mcplite._server.streamable_session import (
    _NOTIFICATION,
    _REQUEST,
    _RESPONSE,
    HTTPSession,
    OneShotTransport,
    Stream,
    classify_outgoing,
    error_code,
)


class FakeHTTP:
    """A ResponseStream that records what is written."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ended = False
        self.aborted = False
        self.callbacks: list[Callable[[], None]] = []

    @property
    def closed(self) -> bool:
        return self.ended or self.aborted

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    async def drain(self) -> None:
        return None

    def end(self, data: bytes = b"") -> None:
        self.chunks.append(data)
        self.ended = True

    def abort(self) -> None:
        self.aborted = True

    def on_close(self, cb: Callable[[], None]) -> None:
        self.callbacks.append(cb)

    def drop(self) -> None:
        for cb in self.callbacks:
            cb()

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode()


class FakeResponder:
    local_address = ("127.0.0.1", 1)
    client = ("127.0.0.1", 2)
    disconnected = False

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.http: FakeHTTP | None = None

    def on_close(self, cb: Callable[[], None]) -> None:
        pass

    def respond(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        self.status, self.headers, self.body = status, headers, body

    def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> FakeHTTP:
        self.status, self.headers = status, headers
        self.http = FakeHTTP()
        return self.http


def fake() -> Any:
    """A FakeResponder typed loosely: it stands in for the server's Responder."""
    return FakeResponder()


def status(r: Any) -> int | None:
    return r.status  # type: ignore[no-any-return]


def http(r: Any) -> FakeHTTP | None:
    return r.http  # type: ignore[no-any-return]


def test_classify_outgoing_fast_and_slow_paths() -> None:
    assert classify_outgoing(b'{"jsonrpc":"2.0","method":"x"}') == (_NOTIFICATION, None)
    assert classify_outgoing(b'{"jsonrpc":"2.0","id":3,"method":"x"}') == (_REQUEST, 3)
    assert classify_outgoing(b'{"jsonrpc":"2.0","id":3,"result":{}}') == (_RESPONSE, 3)
    # a string id or other field order takes the decoder path
    assert classify_outgoing(b'{"jsonrpc":"2.0","id":"a","result":{}}') == (_RESPONSE, "a")
    assert classify_outgoing(b'{"jsonrpc":"2.0","id":1.5,"result":{}}') == (_RESPONSE, 1.5)
    assert classify_outgoing(b'{"method":"m","id":"r","jsonrpc":"2.0"}') == (_REQUEST, "r")
    assert classify_outgoing(b'{"method":"m","jsonrpc":"2.0"}') == (_NOTIFICATION, None)
    assert classify_outgoing(b'{"jsonrpc":"2.0","id":7}') == (_RESPONSE, 7)
    assert classify_outgoing(b"not json") == (_NOTIFICATION, None)


def test_error_code() -> None:
    assert error_code(b'{"jsonrpc":"2.0","id":1,"result":{}}') is None
    assert error_code(b'{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"m"}}') == -32601
    assert error_code(b'{"error":') is None  # undecodable
    assert error_code(b'{"jsonrpc":"2.0","id":1,"result":{"x":"\\"error\\""}}') is None


def test_stateless_stream_events_and_json_status_map() -> None:
    r = fake()
    s = Stream(None, 1, r, can_sse=False, priming=False, extra_headers=[], status_map=True)
    s.message(b'{"jsonrpc":"2.0","method":"n"}', False)  # JSON only: nowhere to put it
    assert status(r) is None
    s.message(b'{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"m"}}', True)
    assert r.status == 404
    s.message(b"late", True)  # done: ignored
    assert s.close_connection(10) is False

    r = fake()
    s = Stream(None, 1, r, can_sse=False, priming=False, extra_headers=[], status_map=True)
    s.message(b'{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"m"}}', True)
    assert r.status == 200  # an unmapped code keeps 200

    r = fake()
    s = Stream(None, 1, r, can_sse=True, priming=True, extra_headers=[])
    s.message(b'{"jsonrpc":"2.0","method":"n"}', False)
    assert r.http is not None and "event: message" in r.http.text and "id:" not in r.http.text
    assert s._event(b"x", retry_ms=5).startswith(b"retry: 5")
    gone: list[int] = []
    s.on_gone = lambda: gone.append(1)
    r.http.drop()
    assert gone == [1] and s.http is None
    s.message(b'{"jsonrpc":"2.0","id":1,"result":{}}', True)  # no live connection: logged only
    assert s.done


def test_session_stream_close_connection_and_replay() -> None:
    hs = HTTPSession("sid", retry_ms=7)
    r = fake()
    st = hs.open_post(r, [1], batch=False, sse=False, can_sse=True, priming=True)
    assert hs.close_sse_stream(99) is False
    assert hs.close_sse_stream(1) is True  # starts SSE, sends retry, aborts
    assert r.http is not None and r.http.aborted
    assert "retry: 7" in r.http.text
    assert st.http is None
    assert st.close_connection(5) is False  # no live connection any more
    # the answer arrives while the client is away; it replays on reconnection
    asyncio.run(hs.send(b'{"jsonrpc":"2.0","id":1,"result":{}}'))
    assert st.done and hs.in_flight == 0
    assert hs.replay("bad", fake()) is False
    assert hs.replay("x_1", fake()) is False
    assert hs.replay("42_0", fake()) is False
    r2 = fake()
    assert hs.replay(f"{st.key}_0", r2) is True
    assert r2.http is not None and r2.http.ended and '"result"' in r2.http.text


def test_json_only_post_cannot_be_closed_and_standalone_replay() -> None:
    hs = HTTPSession("sid", max_replay_streams=2)
    r = fake()
    st = hs.open_post(r, [1], batch=False, sse=False, can_sse=False, priming=False)
    assert st.close_connection(5) is False  # JSON-only client: cannot switch to SSE
    assert hs.close_standalone_sse_stream() is False  # no GET is open
    g = fake()
    hs.open_standalone(g, priming=True)
    assert hs.standalone_live and g.http is not None
    asyncio.run(hs.send(b'{"jsonrpc":"2.0","method":"n"}'))
    assert '"method":"n"' in g.http.text
    # a second attach (Last-Event-ID on the standalone stream) takes over the connection
    g2 = fake()
    assert hs.replay("0_0", g2) is True
    assert g.http.aborted and g2.http is not None
    assert hs.close_standalone_sse_stream(3) is True
    assert "retry: 3" in g2.http.text
    # the live POST stream is never evicted from the replay window
    hs.open_post(fake(), [2], batch=False, sse=False, can_sse=True, priming=False)
    assert st.key in hs.streams


def _finished_posts(hs: HTTPSession, count: int) -> None:
    for i in range(count):
        hs.open_post(fake(), [i], batch=False, sse=False, can_sse=False, priming=False)
        asyncio.run(hs.send(b'{"jsonrpc":"2.0","id":%d,"result":{}}' % i))


def test_finished_post_streams_leave_the_replay_window() -> None:
    hs = HTTPSession("sid", max_replay_streams=3)
    _finished_posts(hs, 5)
    assert len(hs.streams) <= 3
    assert hs.replay("1_0", fake()) is False  # the oldest answers were forgotten


def test_standalone_stream_stays_resumable_after_many_posts() -> None:
    hs = HTTPSession("sid", max_replay_streams=4)
    hs.open_standalone(fake(), priming=True)
    _finished_posts(hs, 4)
    assert hs.replay("0_0", fake()) is True


async def test_http_session_inbox_send_routing_and_close() -> None:
    hs = HTTPSession("sid", max_inbox=1)
    assert hs.deliver(b"a") is True
    assert hs.deliver(b"b") is False  # full
    assert await hs.receive() == b"a"
    waiter = asyncio.ensure_future(hs.receive())
    await asyncio.sleep(0)
    assert hs.deliver(b"c") is True
    assert await waiter == b"c"
    # a response nobody waits for is dropped; a batch answer with no batch POST too
    await hs.send(b'{"jsonrpc":"2.0","id":5,"result":{}}')
    await hs.send(b'[{"jsonrpc":"2.0","id":5,"result":{}}]')
    # batch answer goes to the oldest batch POST
    rb = fake()
    hs.open_post(rb, [1, 2], batch=True, sse=False, can_sse=False, priming=False)
    await hs.send(b'[{"jsonrpc":"2.0","id":1,"result":{}}]')
    assert rb.status == 200 and rb.body.startswith(b"[")
    # open POST streams and a pending JSON response end with the session
    rs = fake()
    hs.open_post(rs, [3], batch=False, sse=True, can_sse=True, priming=False)
    rj = fake()
    hs.open_post(rj, [4], batch=False, sse=False, can_sse=False, priming=False)
    # a notification related to a JSON-only request goes to the standalone stream
    await hs.send(b'{"jsonrpc":"2.0","method":"n"}', related=4)
    assert status(rj) is None
    waiter = asyncio.ensure_future(hs.receive())
    await asyncio.sleep(0)
    await hs.aclose()
    await hs.aclose()
    with pytest.raises(ConnectionClosed):
        await waiter
    assert rs.http is not None and rs.http.ended
    assert rj.status == 404
    with pytest.raises(ConnectionClosed):
        await hs.send(b"{}")
    with pytest.raises(ConnectionClosed):
        await hs.receive()


async def test_one_shot_transport() -> None:
    r = fake()
    stream = Stream(None, 1, r, can_sse=True, priming=False, extra_headers=[])
    stream.pending.update([1])
    tr = OneShotTransport(b"body", stream)
    assert await tr.receive() == b"body"
    assert tr.close_sse_stream(1) is False and tr.close_standalone_sse_stream() is False
    with pytest.raises(ConnectionClosed, match="server-to-client requests"):
        await tr.send(b'{"jsonrpc":"2.0","id":9,"method":"sampling/createMessage"}')
    await tr.send(b'{"jsonrpc":"2.0","method":"unrelated"}')  # dropped
    assert http(r) is None
    await tr.send(b'{"jsonrpc":"2.0","method":"progress"}', related=1)
    assert r.http is not None
    await tr.send(b'{"jsonrpc":"2.0","id":1,"result":{}}')
    assert r.http.ended and tr.done.done()
    with pytest.raises(ConnectionClosed, match="complete"):
        await tr.send(b'{"jsonrpc":"2.0","method":"late"}')
    with pytest.raises(ConnectionClosed):
        await tr.receive()
    await tr.aclose()

    # a batch answer; and aclose before any answer is a 500 (or ends a live stream)
    r = fake()
    stream = Stream(None, 1, r, can_sse=False, priming=False, extra_headers=[])
    stream.pending.update([1, 2])
    tr = OneShotTransport(b"[]", stream)
    await tr.send(b'[{"jsonrpc":"2.0","id":1,"result":{}}]')
    assert r.status == 200
    r = fake()
    tr = OneShotTransport(b"{}", Stream(None, 1, r, can_sse=False, priming=False, extra_headers=[]))
    await tr.aclose()
    assert r.status == 500
    r = fake()
    stream = Stream(None, 1, r, can_sse=True, priming=False, extra_headers=[])
    stream.start_sse()
    tr = OneShotTransport(b"{}", stream)
    await tr.aclose()
    assert r.http is not None and r.http.ended


async def test_hand_to_hands_bodies_over_in_order_with_no_task_while_idle() -> None:
    # A Session hands its HTTPSession a receiver instead of running a reader task: a body
    # is handled from deliver() itself, and only a body arriving while an earlier one is
    # still being handled waits, on a task that ends once the queue is empty.
    hs = HTTPSession("sid")
    seen: list[bytes] = []
    gate = asyncio.get_running_loop().create_future()

    async def slow() -> None:
        await gate

    def receiver(body: bytes) -> Any:
        seen.append(body)
        return asyncio.ensure_future(slow()) if body == b"slow" else None

    def tasks() -> tuple[bool, bool]:  # (drainer running, a body being handled)
        return hs._drainer is not None, hs._barrier is not None

    hs.hand_to(receiver)
    with pytest.raises(RuntimeError, match="already delivering"):
        hs.hand_to(receiver)
    assert hs.deliver(b"a") and seen == [b"a"]
    assert tasks() == (False, False)  # handled on the spot
    assert hs.deliver(b"slow") and seen == [b"a", b"slow"]
    assert tasks() == (False, True)
    assert hs.deliver(b"b") and hs.deliver(b"c")
    assert seen == [b"a", b"slow"] and hs._inbox == [b"b", b"c"]  # behind the slow one
    assert tasks()[0]
    await asyncio.sleep(0)
    assert seen == [b"a", b"slow"]  # still waiting for it
    gate.set_result(None)
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen == [b"a", b"slow", b"b", b"c"]
    assert tasks() == (False, False) and hs._inbox == []
    assert hs.deliver(b"d") and seen[-1] == b"d"  # on the spot again
    hs.hand_to(None)
    assert hs.deliver(b"e") and hs._inbox == [b"e"] and seen[-1] == b"d"  # queued, unread


async def test_hand_to_tells_a_failure_and_stops_handing_over() -> None:
    # Handling a body that raises ends the session (failed), as it ended its reader task.
    hs = HTTPSession("sid")
    failures: list[BaseException] = []

    async def boom() -> None:
        await asyncio.sleep(0)
        raise OSError("broken")

    hs.hand_to(lambda body: asyncio.ensure_future(boom()), failures.append)
    assert hs.deliver(b"x")
    assert hs.deliver(b"queued")  # behind the failing one, on the drainer
    for _ in range(5):
        await asyncio.sleep(0)
    assert [type(e) for e in failures] == [OSError]
    assert hs._receiver is None and hs._drainer is None
    assert hs._inbox == [b"queued"]
    # Closing a session that still hands over tells it the transport closed.
    closed: list[BaseException] = []
    hs2 = HTTPSession("sid2")
    hs2.hand_to(lambda body: None, closed.append)
    await hs2.aclose()
    assert [type(e) for e in closed] == [ConnectionClosed]


def test_a_stream_answered_as_json_leaves_the_replay_window_at_once() -> None:
    # No event id ever named it, so no GET can resume it; it used to stay (with its set of
    # ids) among the session's replay streams until 64 newer ones pushed it out.
    hs = HTTPSession("sid")
    st = hs.open_post(fake(), [1], batch=False, sse=False, can_sse=False, priming=False)
    assert st.key in hs.streams  # in flight: kept
    asyncio.run(hs.send(b'{"jsonrpc":"2.0","id":1,"result":{}}'))
    assert st.done and st.key not in hs.streams and hs.in_flight == 0
    assert hs.replay(f"{st.key}_0", fake()) is False
    # An answer that went as SSE events stays resumable.
    sse = hs.open_post(fake(), [2], batch=False, sse=True, can_sse=True, priming=True)
    asyncio.run(hs.send(b'{"jsonrpc":"2.0","id":2,"result":{}}'))
    assert sse.done and sse.key in hs.streams
    again = fake()
    assert hs.replay(f"{sse.key}_0", again) is True
    assert '"id":2' in again.http.text


def test_a_replay_log_is_a_short_list_then_a_bounded_deque() -> None:
    # An idle GET stream logs one priming event: a list of one, not a deque(maxlen=)
    # holding a 760-byte block on every idle session.
    hs = HTTPSession("sid", max_events=20)
    hs.open_standalone(fake(), priming=True)
    st = hs.standalone
    assert type(st.log) is list and len(st.log) == 1
    assert st.pending == set() and not st.pending
    for i in range(30):
        asyncio.run(hs.send(b'{"jsonrpc":"2.0","method":"n%d"}' % i))
    log: Any = st.log  # (mypy narrowed st.log to a list above)
    assert type(log) is deque and log.maxlen == 20 and len(log) == 20
    assert log[-1][0] == 30 and log[0][0] == 11  # the last 20 of 31 events
    # A limit below the list's length keeps the list, trimmed to the limit.
    small = HTTPSession("sid", max_events=3)
    small.open_standalone(fake(), priming=True)
    for i in range(5):
        asyncio.run(small.send(b'{"jsonrpc":"2.0","method":"n%d"}' % i))
    assert type(small.standalone.log) is list
    assert [idx for idx, _ in small.standalone.log] == [3, 4, 5]
    r = fake()
    assert small.replay("0_3", r) is True  # what followed event 3: events 4 and 5
    assert '"n3"' in r.http.text and '"n4"' in r.http.text and '"n2"' not in r.http.text


def test_the_standalone_stream_is_made_when_first_needed() -> None:
    # Most sessions never open a GET: the standalone stream (a Stream and a streams entry)
    # was made for every one of them up front.
    hs = HTTPSession("sid")
    assert hs.standalone_if_any is None and 0 not in hs.streams
    assert hs.close_standalone_sse_stream() is False
    assert hs.standalone_if_any is None  # asking did not make one
    asyncio.run(hs.aclose())  # closing a session without one
    # A message for it while no GET is open makes it, and the GET to come gets the message.
    hs = HTTPSession("sid")
    asyncio.run(hs.send(b'{"jsonrpc":"2.0","method":"early"}'))
    assert hs.standalone_if_any is not None and 0 in hs.streams
    g = fake()
    hs.open_standalone(g, priming=True)
    assert '"early"' in g.http.text
    # Last-Event-ID 0_<n> resumes the standalone stream even before anything made it.
    hs = HTTPSession("sid")
    r = fake()
    assert hs.replay("0_3", r) is True
    assert hs.standalone_live and r.http is not None and not r.http.ended
