"""A request's answer taken whole from the connection's data_received, with no task
(StreamableHTTPTransport._arrived, HTTPClient.start), and everything else falling back to
the task path with the same checks: split answers, errors, limits, wrong ids, closes,
cancellation, read timeouts."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mcplite import ConnectionClosed, HTTPStatusError, RemoteProtocolError
from mcplite._client.streamable_http import StreamableHTTPTransport
from mcplite._core.jsonrpc import encode_request
from mcplite._io.httpclient import _READ_BUFFER_BYTES, HTTPClient
from mcplite._wire.http11 import Request

from .._loopback import http_server

# rid -> the chunks of the raw HTTP answer (None: never answer)
Script = Callable[[Any], list[bytes] | None]


def json_answer(rid: Any, *, status: bytes = b"200 OK", body: bytes | None = None) -> bytes:
    if body is None:
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "result": {"n": rid}}).encode()
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[tuple[str, list[int]]]:
    async def answer(_req: Request, body: bytes, writer: asyncio.StreamWriter) -> bool:
        for chunk in script(json.loads(body)["id"]) or ():
            if chunk == b"CLOSE":
                return False
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0)
        return True

    async with http_server(answer) as served:
        yield served


def transport_for(url: str, **kwargs: Any) -> tuple[StreamableHTTPTransport, list[Any]]:
    transport = StreamableHTTPTransport(url, standalone_stream=False, **kwargs)
    transport.set_protocol_version("2025-11-25")
    errors: list[Any] = []
    transport.on_request_error = lambda rid, exc: errors.append((rid, exc))
    return transport, errors


async def call(transport: StreamableHTTPTransport, rid: int) -> Any:
    await transport.send(encode_request(rid, "tools/list", {}))
    return json.loads(await transport.receive())


async def warm(transport: StreamableHTTPTransport) -> None:
    """The first request opens the connection (the task path); later ones find it pooled."""
    assert (await call(transport, 0))["id"] == 0


def count_tasks(transport: StreamableHTTPTransport, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    original = transport._request

    def spy(rid: Any, *args: Any) -> Any:
        seen.append(rid)
        return original(rid, *args)

    monkeypatch.setattr(transport, "_request", spy)
    return seen


async def test_a_whole_json_answer_is_taken_with_no_task(monkeypatch: pytest.MonkeyPatch) -> None:
    async with scripted(lambda rid: [json_answer(rid)]) as (url, conns):
        transport, errors = transport_for(url)
        try:
            await warm(transport)
            tasks = count_tasks(transport, monkeypatch)
            for rid in range(1, 6):
                assert (await call(transport, rid))["result"] == {"n": rid}
            assert tasks == []  # without _arrived each call runs _request in a task
            assert errors == [] and len(conns) == 1 and transport._fast == {}
            assert transport.http.open_connections == 1
        finally:
            await transport.aclose()


async def test_answers_taken_without_next_event_do_not_pause_reading() -> None:
    """The read backpressure count starts over for each request written by start(): more
    than _READ_BUFFER_BYTES of answers over one connection must not stop it reading."""
    pad = "x" * 4096

    def script(rid: Any) -> list[bytes]:
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "result": {"pad": pad}}).encode()
        return [json_answer(rid, body=body)]

    async with scripted(script) as (url, conns):
        transport, errors = transport_for(url)
        try:
            await warm(transport)
            for rid in range(1, 2 + _READ_BUFFER_BYTES // 4096):
                assert (await call(transport, rid))["id"] == rid
            assert errors == [] and len(conns) == 1
        finally:
            await transport.aclose()


async def test_the_session_id_is_captured_on_the_fast_path() -> None:
    def script(rid: Any) -> list[bytes]:
        raw = json_answer(rid)
        return [raw.replace(b"\r\n\r\n", b"\r\nMcp-Session-Id: s-%d\r\n\r\n" % rid, 1)]

    async with scripted(script) as (url, _):
        transport, _errors = transport_for(url)
        try:
            await warm(transport)
            await call(transport, 3)
            assert transport.session_id == "s-3"
        finally:
            transport.session_id = None  # no DELETE to a server that does not know it
            await transport.aclose()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cuts=st.lists(st.integers(min_value=1, max_value=160), max_size=6))
def test_an_answer_split_anywhere_arrives_whole(cuts: list[int]) -> None:
    async def main() -> None:
        def script(rid: Any) -> list[bytes]:
            raw = json_answer(rid)
            points = sorted({min(c, len(raw) - 1) for c in cuts})
            edges = [0, *points, len(raw)]
            return [raw[a:b] for a, b in itertools.pairwise(edges) if b > a]

        async with scripted(script) as (url, conns):
            transport, errors = transport_for(url)
            try:
                await warm(transport)
                for rid in (1, 2, 3):
                    assert (await call(transport, rid))["result"] == {"n": rid}
                assert errors == [] and len(conns) == 1
            finally:
                await transport.aclose()

    asyncio.run(main())


async def _failure(script: Script, **kwargs: Any) -> BaseException:
    async with scripted(lambda rid: [json_answer(rid)] if rid == 0 else script(rid)) as (url, _):
        transport, errors = transport_for(url, **kwargs)
        try:
            await warm(transport)
            await transport.send(encode_request(1, "tools/list", {}))
            for _ in range(200):
                if errors:
                    break
                await asyncio.sleep(0.005)
            assert [rid for rid, _ in errors] == [1]
            return errors[0][1]  # type: ignore[no-any-return]
        finally:
            await transport.aclose()


@pytest.mark.parametrize("status", [b"400 Bad Request", b"500 Internal Server Error"])
async def test_an_error_status_answered_whole_fails_the_request(status: bytes) -> None:
    exc = await _failure(lambda rid: [json_answer(rid, status=status, body=b"nope")])
    assert isinstance(exc, HTTPStatusError) and exc.status == int(status[:3])


async def test_an_oversized_body_is_refused() -> None:
    exc = await _failure(lambda rid: [json_answer(rid, body=b" " * 300)], max_message_bytes=200)
    assert isinstance(exc, RemoteProtocolError) and "exceeds 200 bytes" in str(exc)


async def test_a_body_that_is_not_json_is_refused() -> None:
    exc = await _failure(lambda rid: [json_answer(rid, body=b"{not json")])
    assert isinstance(exc, RemoteProtocolError) and "not JSON-RPC" in str(exc)


async def test_an_answer_for_another_id_is_refused() -> None:
    exc = await _failure(lambda rid: [json_answer(rid + 40)])
    assert isinstance(exc, RemoteProtocolError) and "got id 41" in str(exc)


async def test_a_close_in_the_middle_of_the_body_fails_the_request() -> None:
    exc = await _failure(lambda rid: [json_answer(rid)[:-5], b"CLOSE"])
    assert isinstance(exc, (ConnectionClosed, RemoteProtocolError)) and "closed" in str(exc)


async def test_a_close_before_any_answer_is_not_resent() -> None:
    exc = await _failure(lambda rid: [b"CLOSE"])
    assert isinstance(exc, ConnectionClosed) and "not idempotent" in str(exc)


async def test_a_silent_server_hits_the_read_timeout() -> None:
    exc = await _failure(lambda rid: None, http=HTTPClient(read_timeout=0.05))
    assert isinstance(exc, TimeoutError)


async def test_cancelling_a_written_request_closes_its_connection() -> None:
    async with scripted(lambda rid: [json_answer(rid)] if rid == 0 else None) as (url, _):
        transport, errors = transport_for(url)
        try:
            await warm(transport)
            await transport.send(encode_request(1, "tools/list", {}))
            assert list(transport._fast) == [1]
            cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled"}
            cancel["params"] = {"requestId": 1}  # type: ignore[assignment]
            await transport.send(json.dumps(cancel).encode())
            assert transport._fast == {} and transport.http.open_connections == 0
            assert errors == [] and transport._inbox.empty()
        finally:
            await transport.aclose()
