"""Streamable HTTP, running it: ``StreamableHTTPServer`` and ``serve_http`` (layer 3).

The app (``StreamableHTTPApp``) on our asyncio HTTP/1.1 server, plus the SEP-1699 hook a
handler uses to close its SSE stream.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from .._io.httpserver import DEFAULT_MAX_BODY_BYTES, HTTPServer, make_ssl_context
from .._server.streamable_http import DEFAULT_PATH, StreamableHTTPApp

if TYPE_CHECKING:
    from .._server.handle import ServedServer

__all__ = ["StreamableHTTPServer", "close_sse_stream", "serve_http"]

log = logging.getLogger(__name__)


def close_sse_stream(ctx: Any, retry_ms: int | None = None) -> bool:
    """SEP-1699 from a handler: close the SSE connection carrying this request (the client
    reconnects with Last-Event-ID after ``retry_ms``).  False when the transport has no
    resumable stream for it (stdio, stateless, JSON answer already sent)."""
    hook = getattr(ctx.session.transport, "close_sse_stream", None)
    return bool(hook(ctx.request_id, retry_ms)) if hook is not None else False


class StreamableHTTPServer:
    """``async with StreamableHTTPServer(server, port=0) as srv: srv.url`` (tests, embedding).

    Options are those of ``StreamableHTTPApp`` and ``HTTPServer`` together.
    """

    _HTTP_OPTIONS: Final = frozenset(
        {
            "ssl",
            "max_body_bytes",
            "max_head_bytes",
            "max_headers",
            "head_timeout",
            "keep_alive_timeout",
            "head_cache_timeout",
            "max_connections",
            "max_connections_per_peer",
            "max_pipelined",
            "shutdown_timeout",
            "write_high_water",
            "write_timeout",
            "max_write_buffer",
        }
    )

    def __init__(
        self, server: ServedServer, host: str = "127.0.0.1", port: int = 0, **options: Any
    ) -> None:
        http_opts = {k: options.pop(k) for k in list(options) if k in self._HTTP_OPTIONS}
        certfile = options.pop("certfile", None)
        keyfile = options.pop("keyfile", None)
        if certfile is not None:
            http_opts["ssl"] = make_ssl_context(certfile, keyfile)
        http_opts.setdefault("max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        self.app = StreamableHTTPApp(server, **options)
        self.http = HTTPServer(self.app, host, port, **http_opts)
        self.http.on_shutdown.append(self.app.end_streams)
        self.http.on_drained.append(self.app.aclose)

    @property
    def port(self) -> int:
        """The port listened on (the one picked when ``port=0``)."""
        return self.http.port

    @property
    def url(self) -> str:
        """The endpoint's URL, e.g. ``http://127.0.0.1:8000/mcp``."""
        return self.http.url + self.app.path

    @property
    def started(self) -> bool:
        return self.http.listening

    async def start(self) -> None:
        """Start listening; ``async with`` does this."""
        await self.http.start()

    async def aclose(self) -> None:
        """Stop listening, close sessions and connections (bounded)."""
        await self.http.aclose()

    async def serve_forever(self) -> None:
        """Start, then serve until cancelled."""
        await self.http.serve_forever()

    async def serve_until_signal(self) -> None:
        """Serve until SIGTERM/SIGINT, then shut down gracefully (``aclose``: in-flight
        requests get ``shutdown_timeout``); a second signal exits at once."""
        from .._server.signals import shutdown_signals  # lazy: signal handling only when run

        if not self.started:
            await self.start()
        with shutdown_signals() as stop:
            try:
                await stop.wait()
            finally:
                await self.aclose()

    async def __aenter__(self) -> StreamableHTTPServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def serve_http(
    server: ServedServer,
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = DEFAULT_PATH,
    stateless: bool = False,
    json_response: bool = False,
    handle_signals: bool = False,
    **options: Any,
) -> None:
    """Serve ``server`` over streamable HTTP until cancelled (``Server.run("streamable-http")``).

    ``handle_signals``: a SIGTERM/SIGINT shuts down gracefully (``aclose``, bounded by
    ``shutdown_timeout``) and returns; a second one exits at once.
    """
    srv = StreamableHTTPServer(
        server,
        host,
        port,
        path=path,
        stateless=stateless,
        json_response=json_response,
        **options,
    )
    await srv.start()
    log.info("MCP streamable HTTP endpoint at %s", srv.url)
    if handle_signals:
        await srv.serve_until_signal()
    else:
        await srv.serve_forever()
