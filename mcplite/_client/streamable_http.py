"""Streamable HTTP, client side: ``StreamableHTTPTransport`` (layer 3).

Every message is its own POST (2025-11-25 basic/transports.mdx "Streamable HTTP",
2026-07-28 basic/transports/streamable-http.mdx).  A request's POST runs in its own task:
its answer (a JSON body, or the SSE stream's events) is fed to ``receive()``, and an HTTP
failure is handed to ``on_request_error`` (the Client wires ``Session.fail_request``) so the
caller of that request sees ``HTTPStatusError``/``AuthError`` -- which is also how a
transport-level refusal of ``server/discover`` makes the Client fall back to ``initialize``.

Handshake era: ``Mcp-Session-Id`` is captured from the initialize response and sent after,
``MCP-Protocol-Version`` follows ``set_protocol_version``, a standalone GET stream carries
server-initiated messages (405 = not offered), a request's SSE stream that ends before its
response is resumed with GET + ``Last-Event-ID`` after the server's ``retry`` delay
(SEP-1699) or a backoff, and close sends DELETE.  2026-07-28: no sessions, no GET stream,
``Mcp-Method``/``Mcp-Name``/``Mcp-Param-*`` headers (SEP-2243), and cancelling a request
closes its stream instead of posting ``notifications/cancelled``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Final

import msgspec

from .. import types as t
from .._client.httpauth import HTTPAuth, request_with_auth
from .._core.jsonrpc import encode_error
from .._core.methods import STATELESS_REVISION
from .._errors import (
    INTERNAL_ERROR,
    ConnectionClosed,
    MCPError,
    RemoteProtocolError,
    SessionExpired,
)
from .._io.background import spawn
from .._io.eager import eager_start
from .._io.httpclient import (
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_READ_TIMEOUT_SECONDS,
    HTTPClient,
    HTTPResponse,
    split_url,
)
from .._io.httpexchange import Exchange, start as start_exchange
from .._wire.paramheaders import InvalidToolHeaders, ParamHeaders, param_headers, request_headers
from .streamable_sse import (
    STREAM_LINGER_SECONDS,
    SSEStreams,
    _status_error,
    _StreamLost,
    _with_id,
)
from .streamable_wire import _META_KEY, _fast_request, _Outgoing, _probe

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_BYTES: Final = 4 * 1024 * 1024  # JSON body or one SSE event
DEFAULT_MAX_RECONNECTS: Final = 5  # per stream, reset whenever the last event id advances
DEFAULT_RECONNECT_DELAY_SECONDS: Final = 1.0  # first backoff step when no `retry` was sent
DEFAULT_MAX_RECONNECT_DELAY_SECONDS: Final = 30.0
DEFAULT_CLOSE_TIMEOUT_SECONDS: Final = 5.0  # the DELETE on close (go-sdk #1183)
DEFAULT_MAX_QUEUED_MESSAGES: Final = 1024  # received, not yet read by the session
# ``standalone_stream``: True opens the GET stream right after the handshake, False never,
# and "auto" (the default) when the Client first needs to hear from the server outside its
# requests (``open_standalone_stream``): a client that only calls tools keeps one TCP
# connection per session instead of two (2025-11-25 basic/transports "Listening for
# Messages from the Server": the client MAY issue the GET).
STANDALONE_STREAM_AUTO: Final = "auto"

RequestId = int | str
ErrorSink = Callable[[RequestId, BaseException], None]


class StreamableHTTPTransport(SSEStreams):
    """The Transport protocol over streamable HTTP (one POST per message)."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        http: HTTPClient | None = None,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        read_timeout: float | None = DEFAULT_READ_TIMEOUT_SECONDS,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        reconnect_delay: float = DEFAULT_RECONNECT_DELAY_SECONDS,
        max_reconnect_delay: float = DEFAULT_MAX_RECONNECT_DELAY_SECONDS,
        standalone_stream: bool | str = STANDALONE_STREAM_AUTO,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT_SECONDS,
        max_queued_messages: int = DEFAULT_MAX_QUEUED_MESSAGES,
        auth: HTTPAuth | None = None,
        stream_linger: float = STREAM_LINGER_SECONDS,
    ) -> None:
        split_url(url)  # fail fast on a bad URL
        # isinstance, not ==: 1 and 0 are refused, not taken for True and False.
        if standalone_stream != STANDALONE_STREAM_AUTO and not isinstance(standalone_stream, bool):
            raise ValueError(
                f"standalone_stream: expected True, False or {STANDALONE_STREAM_AUTO!r}, "
                f"got {standalone_stream!r}"
            )
        self.url = url
        self.headers = dict(headers or {})
        self.auth = auth  # adds Authorization/DPoP, handles 401/403 (see _httpauth.py)
        self._own_http = http is None
        self.http = http or HTTPClient(connect_timeout=connect_timeout, read_timeout=read_timeout)
        self.max_message_bytes = max_message_bytes
        self.max_reconnects = max_reconnects
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self.standalone_stream = standalone_stream
        self.close_timeout = close_timeout
        self.stream_linger = stream_linger
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        # Set by the Client to Session.fail_request; without it failures become
        # synthesized JSON-RPC error responses.
        self.on_request_error: ErrorSink | None = None
        # What arrived, and the request whose POST stream carried it (None: the standalone
        # GET stream); ``related`` is that of the message receive() returned last.
        self._inbox: asyncio.Queue[tuple[bytes, RequestId | None] | BaseException | None] = (
            asyncio.Queue(max_queued_messages)
        )
        # push_to(): the session's receiver, whether push_to is waiting on an empty inbox
        # (then a message can be handed over at once, in order), and the delivery still
        # running that later messages must wait for.
        self._receiver: Callable[[bytes], Any] | None = None
        self._waiting = False
        self._barrier: asyncio.Future[Any] | None = None
        self.related: RequestId | None = None
        self._streams: dict[RequestId, asyncio.Task[None]] = {}
        # Requests written by _start_request whose answers have not started to arrive.
        self._fast: dict[RequestId, Exchange] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._get_task: asyncio.Task[None] | None = None
        # Until the standalone GET stream has its answer, requests start on a task as the
        # GET did, so they reach the wire after it (a POST written eagerly from send()
        # would overtake it, and a peer may read a GET that follows a POST as that POST's
        # resumption: the conformance suite's sse-retry scenario does).
        self._get_pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tool_headers: dict[str, ParamHeaders] = {}
        # ((protocol version, session id), headers, the POST headers they give): see
        # _post_headers.
        self._post_cache: (
            tuple[tuple[str | None, str | None], dict[str, str], tuple[tuple[str, str], ...]] | None
        ) = None
        self._closed = False

    # ------------------------------------------------------------------ hooks

    def set_protocol_version(self, version: str | None) -> None:
        """The Client's negotiated version: sent as MCP-Protocol-Version from now on.

        In the handshake era, with ``standalone_stream=True``, this also opens the
        standalone GET stream (2025-11-25 "Listening for Messages from the Server");
        2026-07-28 has none.
        """
        self.protocol_version = version
        if self.standalone_stream is True:
            self._open_get()

    def open_standalone_stream(self) -> None:
        """Open the standalone GET stream now unless it is open already or not wanted
        (``standalone_stream=False``, or the 2026-07-28 era, which has none): what the
        Client calls, in "auto" mode, once something needs to hear from the server outside
        a request (a notification callback, a subscription, a capability a server request
        goes to)."""
        if self.standalone_stream is not False:
            self._open_get()

    def forget_session(self) -> bool:
        """The server has ended the session (``SessionExpired``): drop its id, so the next
        request (the Client's new ``initialize``) is sent without one, and its standalone
        GET stream; True if that stream had been opened (the Client opens it again once the
        new session is up)."""
        self.session_id = None
        task, self._get_task = self._get_task, None
        self._get_pending = False
        if task is None:
            return False
        task.cancel()
        return True

    def _open_get(self) -> None:
        version = self.protocol_version
        if (
            version is not None
            and version < STATELESS_REVISION
            and self._get_task is None
            and not self._closed
        ):
            self._get_pending = True
            self._get_task = self._spawn(self._standalone_stream())

    def register_tools(self, tools: Sequence[t.Tool]) -> list[t.Tool]:
        """Learn the ``x-mcp-header`` maps of ``tools``; drop (and log) invalid ones.

        2026-07-28 streamable-http.mdx: clients MUST exclude a tool whose annotations
        break the constraints, and SHOULD log a warning naming it.
        """
        kept: list[t.Tool] = []
        for tool in tools:
            try:
                mapping = param_headers(tool.input_schema)
            except InvalidToolHeaders as exc:
                log.warning("ignoring tool %r: %s", tool.name, exc)
                self._tool_headers.pop(tool.name, None)
                continue
            if mapping:
                self._tool_headers[tool.name] = mapping
            else:
                self._tool_headers.pop(tool.name, None)
            kept.append(tool)
        return kept

    # ------------------------------------------------------------------ Transport

    async def receive(self) -> bytes:
        if self._closed:
            raise ConnectionClosed("the streamable HTTP transport is closed")
        item = await self._inbox.get()
        if item is None:
            raise ConnectionClosed("the streamable HTTP transport is closed")
        if isinstance(item, BaseException):
            raise item
        data, self.related = item
        return data

    async def push_to(self, receiver: Callable[[bytes], Any]) -> None:
        """Hand each message to ``receiver`` (the session's ``_push``) until the transport
        closes, then raise ``ConnectionClosed``.

        The hot path: a message that arrives while nothing is queued or being handled is
        given to the receiver by the task that read it, so the answer to a request reaches
        its caller without a hop through a reader task (one event-loop iteration less per
        call).  Anything else goes through the inbox, in order: a message is never handled
        before one that arrived earlier (progress before its result).
        """
        if self._receiver is not None:
            raise RuntimeError("the streamable HTTP transport is already delivering")
        self._receiver = receiver
        inbox = self._inbox
        try:
            while True:
                self._waiting = True
                try:
                    item = await inbox.get()
                finally:
                    self._waiting = False
                barrier, self._barrier = self._barrier, None
                if barrier is not None:
                    await barrier  # a handed-over message still being handled comes first
                if item is None:
                    raise ConnectionClosed("the streamable HTTP transport is closed")
                if isinstance(item, BaseException):
                    raise item
                data, self.related = item
                pending = receiver(data)
                if pending is not None:
                    await pending
        finally:
            self._receiver = None
            barrier, self._barrier = self._barrier, None
            if barrier is not None:
                barrier.cancel()

    def _hand_over(self, data: bytes, rid: RequestId | None) -> bool:
        """Give ``data`` to the receiver now if that keeps the order; False: queue it."""
        receiver = self._receiver
        if receiver is None or not self._waiting or self._barrier is not None:
            return False
        if not self._inbox.empty():
            return False
        self.related = rid
        pending = receiver(data)
        if pending is not None:
            barrier = self._barrier = asyncio.ensure_future(pending)
            barrier.add_done_callback(self._unbarrier)
        return True

    def _unbarrier(self, fut: asyncio.Future[Any]) -> None:
        if fut is not self._barrier:
            return  # push_to() took it over (or ended)
        self._barrier = None
        if not fut.cancelled() and fut.exception() is not None:
            self._inbox.put_nowait(fut.exception())  # push_to() raises it, as pulling would

    async def _put(self, data: bytes, rid: RequestId | None) -> None:
        if not self._hand_over(data, rid):
            await self._inbox.put((data, rid))

    async def send(self, data: bytes, related: RequestId | None = None) -> None:
        if self._closed:
            raise ConnectionClosed("the streamable HTTP transport is closed")
        version = self.protocol_version
        if version is not None and version < STATELESS_REVISION and _META_KEY not in data:
            # The hot path: a request in the handshake era whose params carry no protocol
            # version, so its headers do not depend on them -- no need to decode them.
            fast = _fast_request(data)
            if fast is not None:
                self._start_request(fast[0], fast[1], None, data)
                return
        try:
            msg = msgspec.json.decode(data, type=_Outgoing)
        except (msgspec.DecodeError, msgspec.ValidationError):
            msg = _Outgoing()
        if msg.method is not None and isinstance(msg.id, (int, str)):
            self._start_request(msg.id, msg.method, msg.params, data)
            return
        if msg.method == "notifications/cancelled" and isinstance(msg.params, dict):
            target = msg.params.get("requestId")
            stream = self._streams.pop(target, None) if isinstance(target, (int, str)) else None
            if stream is not None:
                stream.cancel()
            written = self._fast.pop(target, None) if isinstance(target, (int, str)) else None
            if written is not None:
                written.abort()  # the connection is closed, as cancelling its task would
            if self._stateless(msg.params):
                return  # 2026-07-28: closing the stream IS the cancellation
        await self._post_other(data, msg)

    def _start_request(self, rid: RequestId, method: str, params: Any, data: bytes) -> None:
        if self._get_pending:
            task: asyncio.Task[None] = asyncio.ensure_future(
                self._request(rid, method, params, data)
            )
            # A task cancelled before its first step never runs _request's finally.
            task.add_done_callback(lambda _, rid=rid: self._streams.pop(rid, None))  # type: ignore[misc]
        else:
            # Started eagerly (_io/eager.py): the POST is written from send() itself, not
            # one event-loop iteration later when a new task would first run.
            http = self.http
            # Not for a stand-in or a subclass whose request() would be bypassed.
            if self.auth is None and type(http).request is HTTPClient.request:
                # The hot path: the POST is written right here on a pooled connection and
                # its answer is taken by _arrived, called from that connection's
                # data_received, with no task at all (a task costs a step to start and
                # one to wake up when the answer is in).  Anything but a whole 200 JSON
                # answer goes on to _request in a task, as if it had been one all along.
                sid = self.session_id  # what the headers carry (a 404 to it: SessionExpired)
                try:
                    ex = start_exchange(
                        http,
                        "POST",
                        self.url,
                        self._post_header_tuple(method, params),
                        data,
                        lambda ex: self._arrived(ex, rid, method, params, data, sid),
                    )
                except ValueError:
                    ex = None  # a bad header field: _request reports it as before
                if ex is not None:
                    self._fast[rid] = ex
                    return
            loop = self._loop
            if loop is None:  # looked up once: on 3.11 each lookup is a getpid() system call
                loop = self._loop = asyncio.get_running_loop()
            coro = self._request(rid, method, params, data)
            eager = eager_start(loop, coro, contextvars.copy_context())
            if eager is None:
                return  # done already (a failure answered at once)
            task = eager
        # Held until done (like _spawn's tasks) and known by its request id, in one map;
        # _request takes itself out when it ends, so a call needs no done callback (each
        # is a loop callback per call).
        self._streams[rid] = task

    def _post_header_tuple(self, method: str, params: Any) -> tuple[tuple[str, str], ...]:
        headers = self._post_headers(method, params)
        return headers if type(headers) is tuple else tuple(headers)

    def _arrived(
        self,
        ex: Exchange,
        rid: RequestId,
        method: str,
        params: Any,
        data: bytes,
        sid: str | None,
    ) -> None:
        """The answer to a request ``_start_request`` wrote (see there) has started to
        arrive: a whole 200 JSON answer is checked and handed to the session here, as
        ``_answer`` would; anything else continues as ``_request`` in a task."""
        if self._fast.pop(rid, None) is not ex:
            return  # given up (cancelled, closed) meanwhile
        resp = None if self._inbox.full() else ex.complete()
        if resp is not None:
            body = None
            if resp.status == 200 and resp.content_type == "application/json":
                body = resp.take(self.max_message_bytes)
            if body is not None:
                self._capture_session(resp)
                probe = _probe(body)
                if probe is None:
                    self._fail(
                        rid,
                        RemoteProtocolError(f"{method}: the HTTP response body is not JSON-RPC"),
                    )
                    return
                if not self._hand_over(body, rid):
                    self._inbox.put_nowait((body, rid))  # not full: checked above
                if probe.method is None and probe.id != rid:
                    self._fail(
                        rid,
                        RemoteProtocolError(
                            f"{method}: expected a response with id {rid!r}, got id {probe.id!r}"
                        ),
                    )
                return
            first: Coroutine[Any, Any, HTTPResponse] = _given(resp)
        else:
            first = ex.finish()
        coro = self._request(rid, method, params, data, first, sid)
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        task = eager_start(loop, coro, contextvars.copy_context())
        if task is not None:
            self._streams[rid] = task

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for ex in self._fast.values():
            ex.abort()
        self._fast.clear()
        tasks = [*self._tasks, *self._streams.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.close_timeout)
        if self.session_id is not None:
            try:
                async with asyncio.timeout(self.close_timeout):
                    resp = await self._http_request("DELETE", self._base_headers())
                    await resp.aclose()
                if resp.status not in (200, 202, 204, 404, 405):
                    log.debug("DELETE of the session answered HTTP %d", resp.status)
            except (MCPError, OSError, TimeoutError) as exc:
                log.debug("could not DELETE the session: %r", exc)
        if self._own_http:
            await self.http.aclose()
        while not self._inbox.empty():
            self._inbox.get_nowait()
        self._inbox.put_nowait(None)

    # ------------------------------------------------------------------ internals

    async def _http_request(
        self, method: str, headers: Sequence[tuple[str, str]], body: bytes | None = None
    ) -> HTTPResponse:
        return await request_with_auth(self.http, self.auth, method, self.url, headers, body)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = spawn(self._tasks, coro)
        return task

    def _stateless(self, params: Any = None) -> bool:
        version = self._body_version(params) or self.protocol_version
        return version is not None and version >= STATELESS_REVISION

    @staticmethod
    def _body_version(params: Any) -> str | None:
        if isinstance(params, dict):
            meta = params.get("_meta")
            if isinstance(meta, dict):
                version = meta.get(t.META_PROTOCOL_VERSION)
                if isinstance(version, str):
                    return version
        return None

    def _base_headers(self, params: Any = None) -> list[tuple[str, str]]:
        out = list(self.headers.items())
        version = self._body_version(params) or self.protocol_version
        if version is not None:
            out.append(("MCP-Protocol-Version", version))
        if self.session_id is not None and not (version and version >= STATELESS_REVISION):
            out.append(("Mcp-Session-Id", self.session_id))
        return out

    def _post_headers(self, method: str | None, params: Any) -> Sequence[tuple[str, str]]:
        if params is None and not self._stateless():
            # The hot path: a handshake-era request's headers depend only on these, so the
            # same tuple serves every call (and HTTPClient's cache of encoded heads hits).
            key = (self.protocol_version, self.session_id)
            cached = self._post_cache
            if cached is not None and cached[0] == key and cached[1] == self.headers:
                return cached[2]
            headers = tuple(self._post_headers_of(method, params))
            self._post_cache = (key, dict(self.headers), headers)
            return headers
        return self._post_headers_of(method, params)

    def _post_headers_of(self, method: str | None, params: Any) -> list[tuple[str, str]]:
        out = self._base_headers(params)
        out.append(("Content-Type", "application/json"))
        out.append(("Accept", "application/json, text/event-stream"))
        if method is not None and self._stateless(params):
            out += request_headers(method, params, self._tool_headers)
        return out

    def _fail(self, rid: RequestId, exc: BaseException) -> None:
        if self.on_request_error is not None:
            self.on_request_error(rid, exc)
            return
        try:
            error = encode_error(rid, INTERNAL_ERROR, str(exc))
            if not self._hand_over(error, rid):
                self._inbox.put_nowait((error, rid))
        except asyncio.QueueFull:  # pragma: no cover - the session is not reading anyway
            log.debug("dropping the failure of request %r: %r", rid, exc)

    def _capture_session(self, resp: HTTPResponse) -> None:
        raw = resp.headers.get(b"mcp-session-id")
        if not raw:
            return
        sid = raw.decode("latin-1")
        if sid != self.session_id and not self._stateless():
            self.session_id = sid

    async def _request(
        self,
        rid: RequestId,
        method: str,
        params: Any,
        data: bytes,
        first: Coroutine[Any, Any, HTTPResponse] | None = None,
        first_sid: str | None = None,
    ) -> None:
        """POST ``data`` and feed its answer in; ``first``: the first POST's response
        (written already by _start_request, see _arrived), sent with session id
        ``first_sid``."""
        try:
            wire_id, body = rid, data
            for attempt in range(self.max_reconnects + 1):
                try:
                    if first is not None:
                        pending, first = first, None
                        sid = first_sid
                        resp = await pending
                    else:
                        sid = self.session_id  # read with the headers, in the same step
                        resp = await self._http_request(
                            "POST", self._post_headers(method, params), body
                        )
                except (MCPError, OSError) as exc:
                    self._fail(
                        rid, exc if isinstance(exc, MCPError) else ConnectionClosed(repr(exc))
                    )
                    return
                try:
                    await self._answer(resp, rid, method, wire_id, sid)
                    return
                except _StreamLost as lost:
                    if attempt == self.max_reconnects:
                        self._fail(rid, ConnectionClosed(f"{lost} after {attempt} re-issues"))
                        return
                    # 2026-07-28 streamable-http.mdx: a broken response stream loses the
                    # request and the client MUST re-issue it with a new request id (the
                    # answer is handed to the session under the id it is waiting for).
                    log.debug("%s: %s; re-issuing it", method, lost)
                    await asyncio.sleep(self._delay(lost.retry, attempt))
                    wire_id = f"{rid}~{attempt + 1}"
                    body = _with_id(data, wire_id)
                except (MCPError, OSError) as exc:
                    self._fail(
                        rid, exc if isinstance(exc, MCPError) else ConnectionClosed(repr(exc))
                    )
                    return
                finally:
                    await resp.aclose()
        finally:
            self._streams.pop(rid, None)  # see _start_request
            if first is not None:
                # Not reached while eager_start runs the first step at once (it awaits
                # ``first`` before anything can cancel it); closed so it never warns.
                first.close()

    async def _answer(
        self,
        resp: HTTPResponse,
        rid: RequestId,
        method: str,
        wire_id: RequestId | None = None,
        sid: str | None = None,
    ) -> None:
        """Feed the answer to request ``rid`` in (``sid``: the session id it was sent with)."""
        self._capture_session(resp)
        status = resp.status
        if status >= 300 or status in (202, 204):
            body = await resp.read(self.max_message_bytes)
            probe = _probe(body) if status >= 300 else None
            if probe is not None and probe.method is None and probe.id == rid:
                # A JSON-RPC error for this request (e.g. 400 -32022, 404 -32601): the
                # server speaks MCP, so the caller gets the RPCError, not the status.
                await self._put(body, rid)
                return
            if status == 404 and sid is not None:
                # 2025-11-25 basic/transports, Session Management: a 404 to a request that
                # carried a session id means the session is gone; the client MUST start a
                # new one (the Client does: Client._renew_session).
                text = body[:500].decode("utf-8", "replace").strip()
                self._fail(
                    rid,
                    SessionExpired(
                        404,
                        f"{method}: the server answered HTTP 404 to session {sid!r}: it has "
                        "ended or forgotten it" + (f" ({text})" if text else ""),
                        body,
                    ),
                )
                return
            self._fail(rid, _status_error(status, method, body))
            return
        wire_id = rid if wire_id is None else wire_id
        kind = resp.content_type
        if kind == "application/json":
            body = await resp.read(self.max_message_bytes)
            probe = _probe(body)
            if probe is None:
                raise RemoteProtocolError(f"{method}: the HTTP response body is not JSON-RPC")
            if wire_id != rid and probe.method is None and probe.id == wire_id:
                body, probe = _with_id(body, rid), _probe(_with_id(body, rid))
            await self._put(body, rid)
            if probe is not None and probe.method is None and probe.id != rid:
                raise RemoteProtocolError(
                    f"{method}: expected a response with id {rid!r}, got id {probe.id!r}"
                )
        elif kind == "text/event-stream":
            await self._request_stream(resp, rid, method, wire_id)
        else:
            raise RemoteProtocolError(
                f"{method}: expected application/json or text/event-stream, got {kind!r}"
            )

    async def _post_other(self, data: bytes, msg: _Outgoing) -> None:
        """POST a notification or a response: the server answers 202 (or an error)."""
        try:
            resp = await self._http_request("POST", self._post_headers(None, msg.params), data)
            try:
                body = await resp.read(self.max_message_bytes)
            finally:
                await resp.aclose()
        except (MCPError, OSError) as exc:
            if self._closed:
                raise ConnectionClosed("the streamable HTTP transport is closed") from exc
            log.warning("could not POST %s: %r", msg.method or "a response", exc)
            return
        if resp.status >= 300:
            log.warning(
                "the server refused %s: HTTP %d %s",
                msg.method or "a response",
                resp.status,
                body[:200].decode("utf-8", "replace"),
            )


async def _given(resp: HTTPResponse) -> HTTPResponse:
    return resp
