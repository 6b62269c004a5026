"""The SSE streams of the streamable HTTP client (layer 3): a request's response stream,
its resumption with GET + ``Last-Event-ID`` (SEP-1699), and the standalone GET stream.

``SSEStreams`` is a mixin of ``StreamableHTTPTransport``, which owns the state it reads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Final

import msgspec

from .._errors import AuthError, ConnectionClosed, HTTPStatusError, MCPError
from .._io.httpclient import HTTPResponse
from .._wire.sse import SSEDecoder
from .streamable_wire import _probe

log = logging.getLogger(__name__)

# How long the rest of an answered request's SSE stream is read before its connection is
# dropped (the server should end it right after the response).
STREAM_LINGER_SECONDS: Final = 1.0
_BACKOFF_FACTOR: Final = 1.5

RequestId = int | str


class SSEStreams:
    """Mixin: reading SSE streams; ``StreamableHTTPTransport`` provides the state."""

    max_message_bytes: int
    max_reconnects: int
    reconnect_delay: float
    max_reconnect_delay: float
    stream_linger: float
    _closed: bool
    _get_pending: bool
    _inbox: asyncio.Queue[tuple[bytes, RequestId | None] | BaseException | None]

    def _stateless(self, params: Any = None) -> bool:  # pragma: no cover - provided
        raise NotImplementedError

    def _base_headers(self, params: Any = None) -> list[tuple[str, str]]:  # pragma: no cover
        raise NotImplementedError

    async def _http_request(  # pragma: no cover - provided
        self, method: str, headers: Sequence[tuple[str, str]], body: bytes | None = None
    ) -> HTTPResponse:
        raise NotImplementedError

    def _hand_over(self, data: bytes, rid: RequestId | None) -> bool:  # pragma: no cover
        raise NotImplementedError

    async def _put(self, data: bytes, rid: RequestId | None) -> None:  # pragma: no cover
        raise NotImplementedError

    async def _request_stream(
        self, resp: HTTPResponse, rid: RequestId, method: str, wire_id: RequestId | None = None
    ) -> None:
        decoder = SSEDecoder(self.max_message_bytes)
        last_id: str | None = None
        retry: int | None = None
        attempts = 0
        current = resp
        try:
            while True:
                if await self._pump(current, decoder, rid, wire_id):
                    return
                await current.aclose()
                if decoder.last_event_id not in (None, last_id):
                    attempts = 0  # progress was made: the budget starts over (go-sdk #679)
                    last_id = decoder.last_event_id
                retry = decoder.retry if decoder.retry is not None else retry
                if self._stateless():
                    raise _StreamLost(f"{method}: the SSE stream ended without a response", retry)
                if last_id is None:
                    why = (
                        f" (the server closed it asking to reconnect in {retry} ms, but sent "
                        "no event id to resume from with Last-Event-ID: SEP-1699 needs one, "
                        "so the response cannot be recovered)"
                        if retry is not None
                        else ""
                    )
                    raise ConnectionClosed(
                        f"{method}: the SSE stream ended without a response{why}"
                    )
                if attempts >= self.max_reconnects:
                    raise ConnectionClosed(
                        f"{method}: the SSE stream ended without a response"
                        + (f" after {attempts} reconnections" if attempts else "")
                    )
                await asyncio.sleep(self._delay(retry, attempts))
                attempts += 1
                current = await self._resume(last_id)
                if current.status != 200 or current.content_type != "text/event-stream":
                    body = await current.read(self.max_message_bytes)
                    raise _status_error(current.status, f"{method} (resuming the stream)", body)
                decoder = SSEDecoder(self.max_message_bytes)
        finally:
            await current.aclose()

    def _delay(self, retry: int | None, attempts: int) -> float:
        if retry is not None:
            return retry / 1000  # SEP-1699: the server said when to come back
        delay = self.reconnect_delay * _BACKOFF_FACTOR**attempts
        return float(min(delay, self.max_reconnect_delay))

    async def _resume(self, last_id: str | None) -> HTTPResponse:
        headers = self._base_headers()
        headers.append(("Accept", "text/event-stream"))
        if last_id is not None:
            headers.append(("Last-Event-ID", last_id))
        return await self._http_request("GET", headers)

    async def _pump(
        self,
        resp: HTTPResponse,
        decoder: SSEDecoder,
        rid: RequestId | None,
        wire_id: RequestId | None = None,
    ) -> bool:
        """Feed the stream's messages to receive(); True once the response to ``rid`` came.

        After the response the server SHOULD end the stream (2025-11-25 transports.mdx,
        "Sending Messages to the Server" 6.iv); its end usually arrives with the response,
        so the rest is read (briefly) and a keep-alive connection goes back to the pool
        instead of being closed and reconnected for every request.
        """
        answered = False
        inbox = self._inbox
        while (chunk := await resp.next_chunk()) is not None:
            for event in decoder.feed(chunk):
                if event.event != "message":
                    continue
                data = event.data
                if not data or data.isspace():
                    continue  # priming events carry only an id (SEP-1699)
                payload = data.encode()
                if rid is not None and wire_id is not None and wire_id != rid and not answered:
                    probe = _probe(payload)
                    if probe is not None and probe.method is None and probe.id == wire_id:
                        payload = _with_id(payload, rid)  # a re-issued request's answer
                if self._hand_over(payload, rid):
                    pass
                elif inbox.full():
                    await inbox.put((payload, rid))
                else:
                    inbox.put_nowait((payload, rid))
                if rid is not None and not answered:
                    probe = _probe(payload)
                    if probe is not None and probe.method is None and probe.id == rid:
                        answered = True
            if answered:
                await self._finish_stream(resp, decoder, rid)
                return True
        return False

    async def _finish_stream(
        self, resp: HTTPResponse, decoder: SSEDecoder, rid: RequestId | None
    ) -> None:
        """Read what is left of an answered stream for at most ``stream_linger`` seconds
        (messages on it still reach receive()); then the connection is reused or closed."""
        if resp.ended():  # the hot path: the end of the stream came with the response
            return
        try:
            while resp.buffered:  # usually the end of the stream came with the response
                await self._leftover(await resp.next_chunk(), decoder, rid)
            if resp.closed:
                return
            async with asyncio.timeout(self.stream_linger):
                while (chunk := await resp.next_chunk()) is not None:
                    await self._leftover(chunk, decoder, rid)
        except (TimeoutError, MCPError, OSError) as exc:
            log.debug("an answered SSE stream did not end: %r", exc)

    async def _leftover(
        self, chunk: bytes | None, decoder: SSEDecoder, rid: RequestId | None
    ) -> None:
        for event in decoder.feed(chunk or b""):
            if event.event == "message" and event.data and not event.data.isspace():
                await self._put(event.data.encode(), rid)

    async def _standalone_stream(self) -> None:
        last_id: str | None = None
        retry: int | None = None
        attempts = 0
        try:
            while not self._closed:
                decoder = SSEDecoder(self.max_message_bytes)
                resp = await self._resume(last_id)
                self._get_pending = False
                try:
                    if resp.status == 405:
                        log.debug("the server offers no standalone SSE stream (405)")
                        return
                    if resp.status != 200 or resp.content_type != "text/event-stream":
                        log.info("standalone SSE stream refused: HTTP %d", resp.status)
                        return
                    await self._pump(resp, decoder, None)
                finally:
                    await resp.aclose()
                if decoder.last_event_id not in (None, last_id):
                    attempts = 0
                    last_id = decoder.last_event_id
                retry = decoder.retry if decoder.retry is not None else retry
                if attempts >= self.max_reconnects:
                    log.info("standalone SSE stream: giving up after %d reconnections", attempts)
                    return
                await asyncio.sleep(self._delay(retry, attempts))
                attempts += 1
        except (MCPError, OSError) as exc:
            log.info("standalone SSE stream stopped: %r", exc)
        finally:
            self._get_pending = False


class _StreamLost(ConnectionClosed):
    """2026-07-28: a request's response stream ended before its response."""

    def __init__(self, message: str, retry: int | None) -> None:
        super().__init__(message)
        self.retry = retry


def _with_id(data: bytes, new_id: RequestId) -> bytes:
    """``data`` (one JSON-RPC message) with its ``id`` replaced."""
    msg = msgspec.json.decode(data)
    msg["id"] = new_id
    return msgspec.json.encode(msg)


def _status_error(status: int, what: str, body: bytes) -> HTTPStatusError:
    text = body[:500].decode("utf-8", "replace").strip()
    message = f"{what}: the server answered HTTP {status}" + (f": {text}" if text else "")
    if status in (401, 403):
        return AuthError(status, message, body)
    if status in (202, 204):
        message = f"{what}: the server answered HTTP {status} without a response to the request"
    return HTTPStatusError(status, message, body)
