"""``Client``: the client side of MCP over any transport (layer 3).

Plain asyncio: ``async with``, plain exceptions, cancel a call by cancelling its task.
Negotiation (default ``protocol_version=None``): probe ``server/discover`` (2026-07-28) and
fall back to the ``initialize`` handshake on -32601, on -32022 without a stateless version
we share, or when the transport refuses the probe (seps/2575, go-sdk §1.3).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from . import types as t
from ._errors import (
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    UNSUPPORTED_PROTOCOL_VERSION,
    ConnectionClosed,
    HTTPStatusError,
    LocalProtocolError,
    MCPError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
)
from ._events import NotificationReceived, RequestReceived
from ._methods import STATELESS_REVISION
from ._protocol import CLIENT_ROLE, Protocol
from ._session import DEFAULT_REQUEST_TIMEOUT_SECONDS, ProgressCallback, Session
from ._transport import Transport

log = logging.getLogger("mcplite.client")
R = TypeVar("R")

DEFAULT_DISCOVER_TIMEOUT_SECONDS: Final = 10.0
DEFAULT_MAX_INPUT_ROUNDS: Final = 10  # 2026-07-28 MRTR: give up after this many rounds
DEFAULT_CLIENT_NAME: Final = "mcplite"

RootsHandler = Callable[[], Awaitable[list[t.Root]] | list[t.Root]]
SamplingHandler = Callable[[t.CreateMessageParams], Awaitable[t.CreateMessageResult]]
ElicitationHandler = Callable[[t.ElicitParams], Awaitable[t.ElicitResult]]
NotificationCallback = Callable[[str, Any], Awaitable[None] | None]


class Client:
    """A connected MCP client.  Use ``mcplite.connect(...)`` to make one."""

    def __init__(
        self,
        transport: Transport | Callable[[], Awaitable[Transport]],
        *,
        name: str = DEFAULT_CLIENT_NAME,
        version: str = "0.0.0",
        protocol_version: str | None = None,
        roots: Sequence[t.Root] | RootsHandler | None = None,
        sampling: SamplingHandler | None = None,
        elicitation: ElicitationHandler | None = None,
        elicitation_modes: Sequence[str] = ("form",),
        on_notification: NotificationCallback | None = None,
        request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_input_rounds: int = DEFAULT_MAX_INPUT_ROUNDS,
        log_level: str | None = None,
    ) -> None:
        self._transport_factory = transport
        self.info = t.Implementation(name=name, version=version)
        self.requested_version = protocol_version
        self._roots = roots
        self._sampling = sampling
        self._elicitation = elicitation
        self._elicitation_modes = tuple(elicitation_modes)
        self.on_notification = on_notification
        self.request_timeout = request_timeout
        self.max_input_rounds = max_input_rounds
        self.log_level = log_level
        self.session: Session | None = None
        self.transport: Transport | None = None
        self.server_info: t.Implementation | None = None
        self.server_capabilities: t.ServerCapabilities = t.ServerCapabilities()
        self.instructions: str | None = None
        self.protocol_version: str | None = None
        self._tool_schemas: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ capabilities

    def capabilities(self) -> t.ClientCapabilities:
        """Advertised = handlers given (DESIGN.md §10)."""
        caps = t.ClientCapabilities()
        if self._roots is not None:
            caps.roots = t.RootsCapability(list_changed=True)
        if self._sampling is not None:
            caps.sampling = t.SamplingCapability()
        if self._elicitation is not None:
            caps.elicitation = t.ElicitationCapability(
                form={} if "form" in self._elicitation_modes else UNSET,
                url={} if "url" in self._elicitation_modes else UNSET,
            )
        return caps

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Client:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        factory = self._transport_factory
        transport = factory if isinstance(factory, Transport) else await factory()
        self.transport = transport
        proto = Protocol(
            CLIENT_ROLE, client_info=self.info, client_capabilities=self.capabilities()
        )
        assert proto.client is not None
        proto.client.log_level = self.log_level
        self.session = Session(
            proto,
            transport,
            on_request=self._on_request,
            on_notification=self._on_notification,
            request_timeout=self.request_timeout,
        )
        self.session.start()
        try:
            await self._negotiate()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.aclose()
        elif self.transport is not None:
            await self.transport.aclose()

    async def _negotiate(self) -> None:
        wanted = self.requested_version
        if wanted is None or wanted >= STATELESS_REVISION:
            version = wanted or t.LATEST_PROTOCOL_VERSION
            for _ in range(2):
                outcome = await self._discover(version)
                if outcome is None:
                    return
                if outcome == "":
                    break
                version = outcome
            if wanted is not None:
                raise RemoteProtocolError(
                    f"the server does not speak protocol version {wanted}"
                )
        await self._initialize(wanted if wanted else t.LATEST_HANDSHAKE_VERSION)

    async def _discover(self, version: str) -> str | None:
        """None on success; a version to retry with; "" to fall back to initialize."""
        session = self._session()
        proto = session.protocol
        proto.use_stateless(version)
        try:
            result = await session.request(
                "server/discover",
                t.DiscoverParams(),
                t.DiscoverResult,
                timeout=min(self.request_timeout or DEFAULT_DISCOVER_TIMEOUT_SECONDS,
                            DEFAULT_DISCOVER_TIMEOUT_SECONDS),
            )
        except RPCError as exc:
            proto.reset_version()
            if exc.code == UNSUPPORTED_PROTOCOL_VERSION and isinstance(exc.data, dict):
                retry = _pick(exc.data.get("supported"), proto.supported_versions)
                if retry and retry >= STATELESS_REVISION and retry != version:
                    return retry
            if exc.code not in (METHOD_NOT_FOUND, UNSUPPORTED_PROTOCOL_VERSION):
                log.debug("server/discover failed (%s); falling back to initialize", exc)
            return ""
        except (HTTPStatusError, RequestTimeout, RemoteProtocolError) as exc:
            proto.reset_version()
            log.debug("server/discover refused (%r); falling back to initialize", exc)
            return ""
        chosen = _pick(result.supported_versions, proto.supported_versions)
        if chosen is None or chosen < STATELESS_REVISION:
            proto.reset_version()
            return ""
        proto.use_stateless(chosen, result)
        self.protocol_version = chosen
        self.server_capabilities = result.capabilities
        self.server_info = proto.server_info
        self.instructions = None if result.instructions is UNSET else result.instructions
        return None

    async def _initialize(self, version: str) -> None:
        session = self._session()
        params = t.InitializeParams(
            protocol_version=version,
            capabilities=session.protocol.client.capabilities,  # type: ignore[union-attr]
            client_info=self.info,
        )
        result = await session.request("initialize", params, t.InitializeResult)
        self.protocol_version = result.protocol_version
        self.server_capabilities = result.capabilities
        self.server_info = result.server_info
        self.instructions = None if result.instructions is UNSET else result.instructions

    def _session(self) -> Session:
        if self.session is None:
            raise LocalProtocolError("the client is not started; use `async with`")
        return self.session

    @property
    def stateless(self) -> bool:
        return self._session().protocol.stateless

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | Any = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Send any request (spec or custom) and decode its result as ``result_type``."""
        return await self._session().request(
            method, params, result_type, timeout=timeout, on_progress=on_progress
        )

    async def _request_mrtr(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | Any = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """A request that may come back ``input_required`` (2026-07-28 MRTR)."""
        session = self._session()
        for _ in range(self.max_input_rounds + 1):
            raw = await session.request_raw(
                method, params, timeout=timeout, on_progress=on_progress
            )
            try:
                result = t.decode_result(raw, result_type)
            except msgspec.ValidationError as exc:
                raise RemoteProtocolError(
                    f"Invalid result for {method}: expected a {result_type.__name__}: {exc}"
                ) from None
            if not isinstance(result, t.InputRequiredResult) or result_type is t.InputRequiredResult:
                return result  # type: ignore[return-value]
            params.input_responses = await self._fulfil(result.input_requests or {})
            params.request_state = result.request_state
        raise RemoteProtocolError(
            f"{method}: the server still wanted input after {self.max_input_rounds} rounds"
        )

    async def _fulfil(self, requests: dict[str, t.InputRequest]) -> dict[str, Any]:
        keys = list(requests)
        answers = await asyncio.gather(
            *(self._answer(requests[k].method, requests[k].params or {}) for k in keys)
        )
        return dict(zip(keys, answers, strict=True))

    async def _answer(self, method: str, params: Any) -> Any:
        """Run our handler for a server->client request (either era); returns a Struct."""
        if method == "roots/list":
            roots = self._roots
            if roots is None:
                raise RPCError(METHOD_NOT_FOUND, "Method not found: roots/list (no roots)")
            value = roots() if callable(roots) else list(roots)
            if asyncio.iscoroutine(value) or isinstance(value, Awaitable):
                value = await value
            return t.ListRootsResult(roots=list(value))
        if method == "sampling/createMessage":
            if self._sampling is None:
                raise RPCError(METHOD_NOT_FOUND, "Method not found: sampling/createMessage")
            return await self._sampling(_convert(params, t.CreateMessageParams))
        if method == "elicitation/create":
            if self._elicitation is None:
                raise RPCError(METHOD_NOT_FOUND, "Method not found: elicitation/create")
            return await self._elicitation(_convert(params, t.ElicitParams))
        raise RPCError(METHOD_NOT_FOUND, f"Method not found: {method}")

    async def _on_request(self, session: Session, event: RequestReceived) -> Any:
        params: Any = {}
        if event.params is not None:
            params = msgspec.json.decode(event.params)
        return await self._answer(event.method, params)

    async def _on_notification(self, session: Session, event: NotificationReceived) -> None:
        if self.on_notification is None:
            return
        params = msgspec.json.decode(event.params) if event.params is not None else {}
        res = self.on_notification(event.method, params)
        if res is not None:
            await res

    # ------------------------------------------------------------------ spec methods

    async def ping(self) -> None:
        await self.request("ping", None, t.EmptyResult)

    async def list_tools(self, cursor: str | None = None) -> t.ListToolsResult:
        result = await self.request(
            "tools/list", t.ListToolsParams(cursor=UNSET if cursor is None else cursor),
            t.ListToolsResult,
        )
        for tool in result.tools:
            if tool.output_schema is not UNSET:
                self._tool_schemas[tool.name] = tool.output_schema
        return result

    async def iter_tools(self) -> AsyncIterator[t.Tool]:
        cursor: str | None = None
        while True:
            page = await self.list_tools(cursor)
            for tool in page.tools:
                yield tool
            if page.next_cursor is UNSET or not page.next_cursor:
                return
            cursor = page.next_cursor

    async def list_all_tools(self) -> list[t.Tool]:
        return [tool async for tool in self.iter_tools()]

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None | Any = ...,
        on_progress: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> t.CallToolResult:
        params = t.CallToolParams(
            name=name,
            arguments=UNSET if arguments is None else arguments,
            meta=UNSET if meta is None else dict(meta),
        )
        return await self._request_mrtr(
            "tools/call", params, t.CallToolResult, timeout=timeout, on_progress=on_progress
        )


def _pick(offered: Any, ours: Sequence[str]) -> str | None:
    """The newest version in both lists (ours is newest first)."""
    if not isinstance(offered, list):
        return None
    for version in ours:
        if version in offered:
            return version
    return None


def _convert(params: Any, type_: type[R]) -> R:
    try:
        return msgspec.convert(params, type_)
    except msgspec.ValidationError as exc:
        raise RPCError(INVALID_PARAMS, f"Invalid params: {exc}") from None


__all__ = ["Client", "ConnectionClosed", "MCPError"]
