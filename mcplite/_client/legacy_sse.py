"""Legacy HTTP+SSE transport, client side (protocol revision 2024-11-05) (layer 3).

2024-11-05 basic/transports.mdx "HTTP with SSE": GET the SSE URL, wait for the ``endpoint``
event (its data is the URI to POST messages to), POST every message there, and read the
server's messages as ``message`` events on the GET stream.  Use ``open_legacy_sse(url)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from .._errors import ConnectError, ConnectionClosed, HTTPStatusError, RemoteProtocolError
from .._io.httpclient import DEFAULT_CONNECT_TIMEOUT_SECONDS, HTTPClient, HTTPResponse
from .._wire.sse import SSEDecoder

__all__ = [
    "DEFAULT_LEGACY_ENDPOINT_TIMEOUT_SECONDS",
    "DEFAULT_LEGACY_POST_TIMEOUT_SECONDS",
    "LegacySSEClientTransport",
    "open_legacy_sse",
]

log = logging.getLogger(__name__)

DEFAULT_LEGACY_ENDPOINT_TIMEOUT_SECONDS: Final = 10.0  # GET sent -> the endpoint event
DEFAULT_LEGACY_POST_TIMEOUT_SECONDS: Final = 30.0  # one POST's response (202, no content)
DEFAULT_LEGACY_MAX_MESSAGE_BYTES: Final = 4 * 1024 * 1024  # one SSE event
_MAX_ERROR_BODY: Final = 64 * 1024


class LegacySSEClientTransport:
    """A ``Transport`` over one GET event stream plus a POST per message."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        endpoint_timeout: float = DEFAULT_LEGACY_ENDPOINT_TIMEOUT_SECONDS,
        post_timeout: float | None = DEFAULT_LEGACY_POST_TIMEOUT_SECONDS,
        max_message_bytes: int = DEFAULT_LEGACY_MAX_MESSAGE_BYTES,
    ) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.endpoint_timeout = endpoint_timeout
        self.post_timeout = post_timeout
        self.max_message_bytes = max_message_bytes
        self.endpoint: str | None = None
        self._http = HTTPClient(connect_timeout=connect_timeout, read_timeout=post_timeout)
        self._inbox: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        self._endpoint_ready: asyncio.Future[str] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """GET the SSE URL and wait (bounded) for the ``endpoint`` event."""
        loop = asyncio.get_running_loop()
        self._endpoint_ready = loop.create_future()
        try:
            async with asyncio.timeout(self.endpoint_timeout):
                resp = await self._http.request(
                    "GET",
                    self.url,
                    {**self.headers, "Accept": "text/event-stream"},
                    read_timeout=None,  # the stream may stay quiet for a long time
                )
                if resp.status != 200 or resp.content_type != "text/event-stream":
                    body = await resp.read(_MAX_ERROR_BODY) if resp.status != 200 else b""
                    await resp.aclose()
                    raise HTTPStatusError(
                        resp.status,
                        f"expected 200 text/event-stream from GET {self.url}, got "
                        f"{resp.status} {resp.content_type or 'no content type'}",
                        body,
                    )
                self._reader = asyncio.ensure_future(self._read(resp))
                self.endpoint = await asyncio.shield(self._endpoint_ready)
        except TimeoutError:
            await self.aclose()
            raise ConnectError(
                f"no endpoint event from {self.url} within {self.endpoint_timeout} s"
            ) from None
        except BaseException:
            await self.aclose()
            raise

    async def _read(self, resp: HTTPResponse) -> None:
        decoder = SSEDecoder(self.max_message_bytes)
        ready = self._endpoint_ready
        assert ready is not None
        end: BaseException = ConnectionClosed("the server closed the SSE stream")
        try:
            while (chunk := await resp.next_chunk()) is not None:
                for event in decoder.feed(chunk):
                    if event.event == "endpoint" and not ready.done():
                        ready.set_result(self._resolve(event.data))
                    elif event.event == "message" and event.data:
                        self._inbox.put_nowait(event.data.encode())
        except (RemoteProtocolError, ConnectionClosed, OSError) as exc:
            end = exc if isinstance(exc, ConnectionClosed) else ConnectionClosed(str(exc))
            if isinstance(exc, RemoteProtocolError) and not ready.done():
                ready.set_exception(exc)
        finally:
            await resp.aclose()
            if not ready.done():
                ready.set_exception(end)
            self._inbox.put_nowait(end)

    def _resolve(self, data: str) -> str:
        endpoint = urljoin(self.url, data.strip())
        # Messages carry the session; never send them to another origin than the stream's.
        a, b = urlsplit(self.url), urlsplit(endpoint)
        if (a.scheme, a.netloc) != (b.scheme, b.netloc):
            raise RemoteProtocolError(
                f"endpoint event names another origin: expected {a.scheme}://{a.netloc}, got "
                f"{endpoint!r}"
            )
        return endpoint

    async def receive(self) -> bytes:
        item = await self._inbox.get()
        if isinstance(item, BaseException):
            self._inbox.put_nowait(item)  # every later receive() sees the end too
            raise item
        return item

    async def send(self, data: bytes, related: Any = None) -> None:
        if self._closed or self.endpoint is None:
            raise ConnectionClosed("the legacy SSE transport is closed")
        resp = await self._http.request(
            "POST", self.endpoint, {**self.headers, "Content-Type": "application/json"}, data
        )
        body = await resp.read(_MAX_ERROR_BODY)
        if not 200 <= resp.status < 300:
            raise HTTPStatusError(
                resp.status, f"expected 202 Accepted from POST {self.endpoint}", body
            )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
        await self._http.aclose()
        self._inbox.put_nowait(ConnectionClosed("the legacy SSE transport is closed"))


async def open_legacy_sse(url: str, **options: Any) -> LegacySSEClientTransport:
    """A started ``LegacySSEClientTransport``; ``options`` go to its constructor."""
    transport = LegacySSEClientTransport(url, **options)
    await transport.start()
    return transport
