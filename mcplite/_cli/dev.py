"""``mcplite dev TARGET``: a browser inspector served by mcplite's own HTTP server (layer 4).

The page (``_cli/dev_page.py``, one embedded HTML/CSS/JS string: no data files, no build
step, no CDN) talks to this backend with ``fetch`` (``POST /api/<op>``, JSON both ways) and
receives events over one SSE stream (``GET /events``).  The backend holds one mcplite
``Client`` to the target (``_cli/dev_hub.py``).

It can start processes, so it is locked down (the same reasoning as 2025-11-25
basic/transports "Security Warning" for local MCP servers): it binds loopback unless
``--allow-remote``; every request needs the per-run random token (``?token=`` in the URL it
prints, then an HttpOnly SameSite=Strict cookie, or the ``X-MCPLite-Dev-Token`` header);
``Host`` is checked against DNS rebinding and a foreign ``Origin`` is refused (403).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import sys
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import msgspec

from .. import types as t
from .._errors import MCPError, RPCError
from .._io.httpserver import HTTPServer, Responder
from .._wire.http11 import Request
from .._wire.origin import check_request, is_loopback
from .dev_hub import DevHub

__all__ = ["DEFAULT_DEV_MAX_REQUEST_BYTES", "DevApp", "run_dev"]

DEFAULT_DEV_MAX_REQUEST_BYTES: Final = 4 * 1024 * 1024
_COOKIE: Final = "mcplite_dev"
_JSON: Final = [(b"content-type", b"application/json")]
_encode = msgspec.json.encode


class DevApp:
    """The HTTP side: token and Origin checks, the page, ``/events`` and ``/api/*``."""

    def __init__(self, hub: DevHub, *, token: str | None = None, allow_remote: bool = False):
        self.hub = hub
        self.token = token or secrets.token_urlsafe(24)
        self.allow_remote = allow_remote
        self._streams: set[Any] = set()

    # ------------------------------------------------------------------ checks

    def _authorized(self, request: Request, query: dict[str, list[str]]) -> bool:
        offered: list[str] = list(query.get("token", []))
        header = request.headers.get(b"x-mcplite-dev-token")
        if header is not None:
            offered.append(header.decode("latin-1"))
        cookie = request.headers.get(b"cookie")
        if cookie is not None:
            for part in cookie.decode("latin-1").split(";"):
                name, _, value = part.strip().partition("=")
                if name == _COOKIE:
                    offered.append(value)
        expected = self.token.encode()
        return any(hmac.compare_digest(o.encode("utf-8", "replace"), expected) for o in offered)

    async def __call__(self, request: Request, body: bytes, responder: Responder) -> None:
        problem = check_request(
            request.headers.get(b"host"),
            request.headers.get(b"origin"),
            responder.local_address,
            dns_rebinding_protection=not self.allow_remote,
        )
        if problem is not None:
            return self._text(responder, 403, problem)
        parts = urlsplit(request.target)
        query = parse_qs(parts.query)
        if not self._authorized(request, query):
            return self._text(
                responder,
                403,
                "missing or wrong inspector token: open the URL that `mcplite dev` printed",
            )
        path = parts.path
        if request.method == "GET" and path == "/":
            if "token" in query:  # trade the token in the URL for a cookie, drop it from the bar
                cookie = f"{_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                return responder.respond(
                    303, [(b"location", b"/"), (b"set-cookie", cookie.encode())]
                )
            from .dev_page import PAGE  # lazy: the page is 30 KiB only `mcplite dev` needs

            return responder.respond(
                200,
                [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"content-security-policy", _CSP),
                ],
                PAGE.encode(),
            )
        if request.method == "GET" and path == "/events":
            return self._events(responder)
        if request.method == "POST" and path.startswith("/api/"):
            return await self._api(path[5:], body, responder)
        return self._text(responder, 404, f"no such page: {request.method} {path}")

    @staticmethod
    def _text(responder: Responder, status: int, message: str) -> None:
        responder.respond(
            status, [(b"content-type", b"text/plain; charset=utf-8")], message.encode()
        )

    # ------------------------------------------------------------------ events

    def _events(self, responder: Responder) -> None:
        stream = responder.start_stream(
            200, [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]
        )
        for frame in list(self.hub.history):
            stream.write(b"data: " + frame + b"\n\n")

        def watch(frame: bytes) -> None:
            if not stream.closed:
                stream.write(b"data: " + frame + b"\n\n")

        self.hub.watchers.add(watch)
        self._streams.add(stream)

        def gone() -> None:
            self.hub.watchers.discard(watch)
            self._streams.discard(stream)

        stream.on_close(gone)

    def close_streams(self) -> None:
        for stream in list(self._streams):
            stream.end()

    # ------------------------------------------------------------------ API

    async def _api(self, op: str, body: bytes, responder: Responder) -> None:
        try:
            args = msgspec.json.decode(body) if body else {}
            if not isinstance(args, dict):
                raise ValueError(f"expected a JSON object, got {type(args).__name__}")
            result = await self._op(op, args)
        except KeyError as exc:
            return self._json(responder, 400, {"error": {"message": f"missing field {exc}"}})
        except (ValueError, TypeError, msgspec.ValidationError, msgspec.DecodeError) as exc:
            return self._json(responder, 400, {"error": {"message": str(exc)}})
        except RPCError as exc:
            error = {"code": exc.code, "message": exc.message, "data": exc.data}
            return self._json(responder, 200, {"error": error})
        except asyncio.CancelledError:
            if asyncio.current_task() is not None and asyncio.current_task().cancelling():  # type: ignore[union-attr]
                raise
            return self._json(responder, 200, {"cancelled": True})
        except (MCPError, RuntimeError, OSError) as exc:
            return self._json(responder, 200, {"error": {"message": f"{exc}"}})
        self._json(responder, 200, {"result": result})

    @staticmethod
    def _json(responder: Responder, status: int, value: Any) -> None:
        responder.respond(status, _JSON, _encode(value))

    async def _op(self, op: str, a: dict[str, Any]) -> Any:
        hub = self.hub
        if op == "state":
            return hub.state()
        if op == "connect":
            return await hub.connect(a.get("protocolVersion"))
        if op == "list":
            return await hub.list_all()
        if op == "call":
            return await hub.call(str(a["callId"]), str(a["name"]), dict(a.get("arguments") or {}))
        if op == "cancel":
            return hub.cancel(str(a["callId"]))
        if op == "answer":
            return hub.answer(str(a["id"]), dict(a["answer"]))
        if op == "roots":
            await hub.set_roots(list(a["roots"]))
            return hub.state()["roots"]
        client = hub._client()
        if op == "read":
            return await client.read_resource(str(a["uri"]))
        if op == "subscribe":
            await client.subscribe_resource(str(a["uri"]))
            return True
        if op == "unsubscribe":
            await client.unsubscribe_resource(str(a["uri"]))
            return True
        if op == "prompt":
            return await client.get_prompt(str(a["name"]), dict(a.get("arguments") or {}))
        if op == "complete":
            raw_ref = dict(a["ref"])
            ref_type: Any = (
                t.PromptReference
                if raw_ref.get("type") == "ref/prompt"
                else t.ResourceTemplateReference
            )
            context = {str(k): str(v) for k, v in dict(a.get("context") or {}).items()}
            return await client.complete(
                msgspec.convert(raw_ref, ref_type),
                str(a["argument"]),
                str(a.get("value", "")),
                context=context or None,
            )
        if op == "ping":
            await client.ping()
            return True
        raise ValueError(f"unknown operation {op!r}")


# The page is self-contained: inline script and style, media as data: URLs, fetch to self.
_CSP: Final = (
    b"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    b"img-src data:; media-src data:; connect-src 'self'; form-action 'none'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)


async def run_dev(
    target: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    allow_remote: bool = False,
    protocol_version: str | None = None,
    token: str | None = None,
    ready: Any = None,
) -> int:
    """Serve the inspector until interrupted.  ``ready(url)`` is called once it listens."""
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to serve the inspector on {host!r}: it can start processes; use a "
            "loopback address, or --allow-remote (the token is still required)"
        )
    hub = DevHub(target, protocol_version=protocol_version)
    app = DevApp(hub, token=token, allow_remote=allow_remote)
    server = HTTPServer(app, host, port, max_body_bytes=DEFAULT_DEV_MAX_REQUEST_BYTES)
    server.on_shutdown.append(app.close_streams)
    await server.start()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.port}/?token={app.token}"
    print(f"mcplite dev: inspector at {url}", file=sys.stderr, flush=True)
    connecting = asyncio.ensure_future(hub.connect())
    if open_browser:
        import webbrowser  # lazy: only a desktop run opens one

        webbrowser.open(url)
    if ready is not None:
        ready(url)
    try:
        await server.serve_forever()
    finally:
        connecting.cancel()
        await hub.aclose()
        await server.aclose()
    return 0
