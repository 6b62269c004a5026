"""The browser step for command-line clients: a loopback redirect listener (layer 3).

RFC 8252 §7.3: a native app receives the authorization response on a loopback address.
``LoopbackRedirect`` listens on 127.0.0.1 (any free port by default), opens the
authorization URL with a caller-supplied function (``webbrowser.open`` unless told), and
returns the first redirect that reaches its path.  Use it as the ``authorize`` callback of
``AuthorizationCode``::

    async with LoopbackRedirect() as redirect:
        auth = OAuthClient(url, AuthorizationCode(redirect.authorize, redirect.redirect_uri))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final
from urllib.parse import parse_qs, urlsplit

from .._auth.oauth_metadata import OAuthError
from .._client.oauth_grants import AuthorizationResponse
from .._errors import RemoteProtocolError
from .._wire import http11 as h11
from .._wire.http11_write import encode_response_head

DEFAULT_REDIRECT_TIMEOUT_SECONDS: Final = 300.0  # how long a user may take to log in
DEFAULT_REDIRECT_PATH: Final = "/callback"
DEFAULT_MAX_REDIRECT_REQUEST_BYTES: Final = 16 * 1024
_READ_TIMEOUT_SECONDS: Final = 10.0  # one browser request, head only
_DONE_PAGE: Final = b"<!doctype html><title>Authorized</title><p>You can close this window.</p>"


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 that captures the authorization redirect."""

    def __init__(
        self,
        *,
        port: int = 0,
        path: str = DEFAULT_REDIRECT_PATH,
        open_browser: Callable[[str], object] | None = None,
        timeout: float = DEFAULT_REDIRECT_TIMEOUT_SECONDS,
        max_request_bytes: int = DEFAULT_MAX_REDIRECT_REQUEST_BYTES,
    ) -> None:
        self.port = port
        self.path = path
        self.open_browser = open_browser
        self.timeout = timeout
        self.max_request_bytes = max_request_bytes
        self._server: asyncio.Server | None = None
        self._waiter: asyncio.Future[AuthorizationResponse] | None = None

    @property
    def redirect_uri(self) -> str:
        """The ``http://127.0.0.1:PORT/path`` URI to register and redirect to."""
        if self._server is None:
            raise RuntimeError("LoopbackRedirect.start() has not run yet")
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> str:
        """Listen; returns the redirect URI to register."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]
        return self.redirect_uri

    async def authorize(self, url: str) -> AuthorizationResponse:
        """Open ``url`` in the browser and wait (bounded) for the redirect."""
        await self.start()
        self._waiter = asyncio.get_running_loop().create_future()
        opener = self.open_browser
        if opener is None:
            import webbrowser  # lazy: only interactive use needs it

            opener = webbrowser.open
        opener(url)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._waiter
        except TimeoutError:
            raise OAuthError(f"no authorization redirect within {self.timeout} s") from None
        finally:
            self._waiter = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status, body = 404, b"not found"
        try:
            async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            parser = h11.RequestParser(max_head_bytes=self.max_request_bytes)
            requests = parser.feed_requests(head)
            if requests and urlsplit(requests[0][0].target).path == self.path:
                status, body = self._deliver(requests[0][0].target)
        except (asyncio.LimitOverrunError, asyncio.IncompleteReadError, TimeoutError):
            status, body = 400, b"bad request"
        except RemoteProtocolError:
            status, body = 400, b"bad request"
        fields = [
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Length", b"%d" % len(body)),
            (b"Connection", b"close"),
        ]
        writer.write(encode_response_head(status, fields) + body)
        try:
            await writer.drain()
        except OSError:  # pragma: no cover - the browser went away
            pass
        writer.close()

    def _deliver(self, target: str) -> tuple[int, bytes]:
        query = parse_qs(urlsplit(target).query)

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        waiter = self._waiter
        if waiter is None or waiter.done():
            return 409, b"no authorization in progress"
        error, code = one("error"), one("code")
        if error is not None:
            detail = one("error_description")
            waiter.set_exception(
                OAuthError(
                    f"authorization refused: {error}" + (f" ({detail})" if detail else ""), error
                )
            )
            return 200, b"Authorization was refused; you can close this window."
        if code is None:
            return 400, b"the redirect carries no code"
        waiter.set_result(AuthorizationResponse(code, one("state"), one("iss")))
        return 200, _DONE_PAGE

    async def aclose(self) -> None:
        """Stop listening for the redirect."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> LoopbackRedirect:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
