"""``Client``: the client side of MCP over any transport (layer 3).

Plain asyncio: ``async with``, plain exceptions, cancel a call by cancelling its task
(the Session sends ``notifications/cancelled``).  Negotiation (default
``protocol_version=None``): probe ``server/discover`` (2026-07-28) and fall back to the
``initialize`` handshake on -32601, on -32022 without a stateless version we share, or when
the transport refuses the probe (HTTP 400/404/405: seps/2575, go-sdk §1.3).  The spec
methods live in ``api.ClientAPI``, requests and the input they need (MRTR, URL
elicitation, server->client handlers) in ``input``, the 2026-07-28 listen in ``listen``;
this module holds the lifecycle and negotiation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypeVar, cast

import msgspec
from msgspec import UNSET

from .. import types as t
from .._client.api import ClientAPI, call_tool_params, checked_roots
from .._client.tasks import StatusCallback, TaskCreated, ToolTask
from .._core.capabilities import for_client
from .._core.events import NotificationReceived, RequestReceived
from .._core.methods import STATELESS_REVISION
from .._core.peerjson import DEFAULT_MAX_JSON_DEPTH
from .._core.protocol import CLIENT_ROLE, Protocol
from .._core.tasks import TASKS_EXTENSION, DetailedTask
from .._errors import (
    UNSUPPORTED_PROTOCOL_VERSION,
    HTTPStatusError,
    LocalProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
    SessionExpired,
)
from .._io.session import DEFAULT_REQUEST_TIMEOUT_SECONDS, Session
from .._io.transport import Transport
from .input import ElicitationHandler, InputMixin, RootsHandler, SamplingHandler
from .listen import Callback, ListenMixin

log = logging.getLogger(__name__)
R = TypeVar("R")

DEFAULT_DISCOVER_TIMEOUT_SECONDS: Final = 10.0
DEFAULT_MAX_INPUT_ROUNDS: Final = 10  # 2026-07-28 MRTR: give up after this many rounds
DEFAULT_URL_ELICITATION_TIMEOUT_SECONDS: Final = 300.0  # wait for elicitation/complete
# Server->client requests (sampling, elicitation, roots) handled at once; beyond it the
# server gets a -32603 "busy" answer.  A user answers one elicitation at a time; 16 leaves
# room for parallel sampling without letting a flooding server grow the client unbounded.
DEFAULT_MAX_SERVER_REQUESTS: Final = 16
DEFAULT_CLIENT_NAME: Final = "mcplite"

NotificationCallback = Callable[[str, Any], Awaitable[None] | None]

# Notification method -> (Client attribute of the typed callback, params type or None).
_TYPED: Final[dict[str, tuple[str, type | None]]] = {
    "notifications/message": ("on_logging_message", t.LoggingMessageNotificationParams),
    "notifications/tools/list_changed": ("on_tools_list_changed", None),
    "notifications/prompts/list_changed": ("on_prompts_list_changed", None),
    "notifications/resources/list_changed": ("on_resources_list_changed", None),
    "notifications/resources/updated": (
        "on_resource_updated",
        t.ResourceUpdatedNotificationParams,
    ),
    "notifications/elicitation/complete": (
        "on_elicitation_complete",
        t.ElicitationCompleteNotificationParams,
    ),
    # io.modelcontextprotocol/tasks (SEP-2663 "Task Status Notifications").
    "notifications/tasks": ("on_task_status", DetailedTask),
}


class _Callback:
    """A notification callback attribute of ``Client``: assigning one after ``connect()``
    opens the standalone GET stream if it is not open yet (``Client._hear_server``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_callback_" + name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else getattr(obj, self._slot)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj, self._slot, value)
        if value is not None:
            obj._hear_server()


class Client(ListenMixin, InputMixin, ClientAPI):
    """A connected MCP client.  Use ``mcplite.connect(...)`` to make one.

    Capabilities advertised = handlers given: ``roots`` (a list or a callable),
    ``sampling`` (``sampling_tools=True`` adds ``sampling.tools``, ``sampling_context=True``
    ``sampling.context``), ``elicitation`` (``elicitation_modes`` ``"form"`` and/or
    ``"url"``).  Each is declared only in the revisions that define it.  Notification
    callbacks are typed (``on_logging_message(params)``, ``on_tools_list_changed()``,
    ...); ``on_notification(method, params)`` receives every notification no typed
    callback took.
    """

    on_notification = _Callback()
    on_logging_message = _Callback()
    on_resource_updated = _Callback()
    on_elicitation_complete = _Callback()
    on_task_status = _Callback()

    def __init__(
        self,
        transport: Transport | Callable[[], Awaitable[Transport]],
        *,
        name: str = DEFAULT_CLIENT_NAME,
        version: str = "0.0.0",
        protocol_version: str | None = None,
        roots: Sequence[t.Root] | RootsHandler | None = None,
        sampling: SamplingHandler | None = None,
        sampling_tools: bool = False,
        sampling_context: bool = False,
        elicitation: ElicitationHandler | None = None,
        elicitation_modes: Sequence[str] = ("form",),
        on_notification: NotificationCallback | None = None,
        on_logging_message: Callback | None = None,
        on_tools_list_changed: Callback | None = None,
        on_prompts_list_changed: Callback | None = None,
        on_resources_list_changed: Callback | None = None,
        on_resource_updated: Callback | None = None,
        on_elicitation_complete: Callback | None = None,
        on_task_status: Callback | None = None,
        request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_input_rounds: int = DEFAULT_MAX_INPUT_ROUNDS,
        url_elicitation_timeout: float = DEFAULT_URL_ELICITATION_TIMEOUT_SECONDS,
        log_level: str | None = None,
        listen: bool = True,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
        max_server_requests: int = DEFAULT_MAX_SERVER_REQUESTS,
        extensions: Mapping[str, dict[str, Any]] | None = None,
        tasks: bool = False,
    ) -> None:
        self._transport_factory = transport
        # capabilities.extensions (2026-07-28); tasks=True declares the tasks extension.
        self.extensions: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in (extensions or {}).items()
        }
        if tasks:
            self.extensions.setdefault(TASKS_EXTENSION, {})
        self.info = t.Implementation(name=name, version=version)
        self.requested_version = protocol_version
        self._roots = roots if roots is None or callable(roots) else checked_roots(roots)
        self._sampling = sampling
        self._sampling_tools = sampling_tools
        self._sampling_context = sampling_context
        self._elicitation = elicitation
        self._elicitation_modes = tuple(elicitation_modes)
        self.on_notification = on_notification
        self.on_logging_message = on_logging_message
        self._list_callbacks: dict[str, Callback | None] = {
            "tools": on_tools_list_changed,
            "prompts": on_prompts_list_changed,
            "resources": on_resources_list_changed,
        }
        self.on_resource_updated = on_resource_updated
        self.on_elicitation_complete = on_elicitation_complete
        # notifications/tasks (SEP-2663): every task state the server pushes, a DetailedTask.
        self.on_task_status = on_task_status
        self.request_timeout = request_timeout
        self.max_input_rounds = max_input_rounds
        self.url_elicitation_timeout = url_elicitation_timeout
        self.log_level = log_level
        self.listen_enabled = listen
        self.max_json_depth = max_json_depth
        self.max_server_requests = max_server_requests
        self.session: Session | None = None
        self.transport: Transport | None = None
        self.server_info: t.Implementation | None = None
        self.server_capabilities: t.ServerCapabilities = t.ServerCapabilities()
        self.instructions: str | None = None
        self.protocol_version: str | None = None
        self._tool_schemas: dict[str, dict[str, Any]] = {}
        self._subscriptions: set[str] = set()
        self._listen_task: asyncio.Task[None] | None = None
        # URIs the latest notifications/subscriptions/acknowledged covers; the event is
        # replaced (after being set) on every acknowledgement.
        self._acked: set[str] = set()
        self._ack_event = asyncio.Event()
        self._listen_id: Any = None
        # The tasks listen (_client/listen.py): handles waiting, by task id.
        self._task_watchers: dict[str, Any] = {}
        self._task_listen: asyncio.Task[None] | None = None
        self._task_listen_ids: set[Any] = set()
        self._task_listen_pending = False
        self._elicitations: dict[str, asyncio.Event] = {}
        self._renewal: asyncio.Future[None] | None = None
        self._session_generation = 0

    # ------------------------------------------------------------------ capabilities

    def capabilities(self) -> t.ClientCapabilities:
        """Advertised = handlers given (DESIGN.md §10)."""
        caps = t.ClientCapabilities()
        if self._roots is not None:
            caps.roots = t.RootsCapability(list_changed=True)
        if self._sampling is not None:
            caps.sampling = t.SamplingCapability(
                tools={} if self._sampling_tools else UNSET,
                context={} if self._sampling_context else UNSET,
            )
        if self._elicitation is not None:
            caps.elicitation = t.ElicitationCapability(
                form={} if "form" in self._elicitation_modes else UNSET,
                url={} if "url" in self._elicitation_modes else UNSET,
            )
        if self.extensions:
            caps.extensions = {k: dict(v) for k, v in self.extensions.items()}
        return caps

    def declare_extension(self, name: str, settings: dict[str, Any] | None = None) -> None:
        """Declare extension ``name`` in the capabilities of every later request."""
        self.extensions[name] = dict(settings or {})
        if self.session is not None:
            self._advertise(self.protocol_version or "")

    def task_handle(
        self, task: DetailedTask, *, on_status: StatusCallback | None = None
    ) -> ToolTask:
        """A handle on a task this client started (or whose id it kept)."""
        return ToolTask(self, task, on_status=on_status)

    async def start_tool_task(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        on_status: StatusCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> ToolTask:
        """tools/call as a task (SEP-2663): a handle with ``status()``, ``wait()``,
        ``update()``, ``cancel()``.  Needs ``Client(tasks=True)``; a server that answers at
        once gives a handle whose ``wait()`` returns that result."""
        if TASKS_EXTENSION not in self.extensions:
            raise ValueError(
                "start_tool_task needs the tasks extension: Client(tasks=True) or "
                f"declare_extension({TASKS_EXTENSION!r})"
            )
        params = call_tool_params(name, arguments, meta)
        try:
            result = await self._request_mrtr("tools/call", params, t.CallToolResult)
        except TaskCreated as created:
            return ToolTask(self, created.task, on_status=on_status)
        return ToolTask(self, None, result, on_status=on_status)

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Client:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Open the transport and run the handshake (or discovery); ``async with`` does this."""
        factory = self._transport_factory
        transport = factory if isinstance(factory, Transport) else await factory()
        self.transport = transport
        proto = Protocol(
            CLIENT_ROLE,
            client_info=self.info,
            client_capabilities=self.capabilities(),
            max_json_depth=self.max_json_depth,
        )
        assert proto.client is not None
        proto.client.log_level = self.log_level
        self.session = Session(
            proto,
            transport,
            on_request=self._on_request,
            on_notification=self._on_notification,
            request_timeout=self.request_timeout,
            max_in_flight=self.max_server_requests,
            in_flight_option="max_server_requests",
        )
        if hasattr(transport, "on_request_error"):
            transport.on_request_error = self.session.fail_request
        self.session.start()
        try:
            await self._negotiate()
            hook = getattr(transport, "set_protocol_version", None)
            if hook is not None:
                hook(self.protocol_version)
            if self._hears_server():
                self._hear_server()
            self._restart_listen()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Cancel the listen, close the session and the transport (bounded)."""
        task, self._listen_task = self._listen_task, None
        tasks_listen, self._task_listen = self._task_listen, None
        listens = [x for x in (task, tasks_listen) if x is not None]
        for listen in listens:
            listen.cancel()
        if self.session is not None:
            await self.session.aclose()
        elif self.transport is not None:
            await self.transport.aclose()
        if listens:
            await asyncio.wait(listens, timeout=1.0)

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
                raise RemoteProtocolError(f"the server does not speak protocol version {wanted}")
        await self._initialize(wanted if wanted else t.LATEST_HANDSHAKE_VERSION)

    async def _discover(self, version: str) -> str | None:
        """None on success; a version to retry with; "" to fall back to initialize."""
        session = self._session()
        proto = session.protocol
        proto.use_stateless(version)
        self._advertise(version)
        timeout = min(
            self.request_timeout or DEFAULT_DISCOVER_TIMEOUT_SECONDS,
            DEFAULT_DISCOVER_TIMEOUT_SECONDS,
        )
        try:
            result = await session.request(
                "server/discover", t.DiscoverParams(), t.DiscoverResult, timeout=timeout
            )
        except RPCError as exc:
            proto.reset_version()
            if exc.code == UNSUPPORTED_PROTOCOL_VERSION and isinstance(exc.data, dict):
                retry = _pick(exc.data.get("supported"), proto.supported_versions)
                if retry and retry >= STATELESS_REVISION:
                    return retry
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
        self._advertise(chosen)
        self.protocol_version = chosen
        self.server_capabilities = result.capabilities
        self.server_info = proto.server_info
        self.instructions = None if result.instructions is UNSET else result.instructions
        return None

    def _advertise(self, version: str) -> t.ClientCapabilities:
        """Declare what ``version`` defines of our capabilities (before the handshake the
        requested version: the server may then choose an older one, and what we declared
        is still honoured)."""
        client = self._session().protocol.client
        assert client is not None
        client.capabilities = for_client(self.capabilities(), version)
        return client.capabilities

    async def _initialize(self, version: str) -> None:
        session = self._session()
        self._advertise(version)
        assert session.protocol.client is not None
        params = t.InitializeParams(
            protocol_version=version,
            capabilities=session.protocol.client.capabilities,
            client_info=self.info,
        )
        result = await session.request("initialize", params, t.InitializeResult)
        self.protocol_version = result.protocol_version
        self.server_capabilities = result.capabilities
        self.server_info = result.server_info
        self.instructions = None if result.instructions is UNSET else result.instructions
        # Client(log_level=) in the handshake era is a logging/setLevel right after the
        # handshake (2025-11-25 server/utilities/logging); only to a server that declared
        # logging, which a server without it would answer -32601. In 2026-07-28 every
        # request's _meta carries the level instead.
        if self.log_level is not None and result.capabilities.logging is not UNSET:
            await session.request(
                "logging/setLevel",
                t.SetLevelParams(level=cast(t.LoggingLevel, self.log_level)),
                t.EmptyResult,
            )

    async def _renew_session(self, generation: int, exc: SessionExpired) -> None:
        """A request sent in session ``generation`` got ``exc`` (HTTP 404 to its session id):
        start a new session, once for every request that failed with it (2025-11-25
        basic/transports, Session Management: the client MUST send a new InitializeRequest
        without a session ID), unless one was started since that request was sent."""
        if generation != self._session_generation:
            return
        renewal = self._renewal
        if renewal is None:
            renewal = self._renewal = asyncio.ensure_future(self._reinitialize(exc))
        await asyncio.shield(renewal)

    async def _reinitialize(self, exc: SessionExpired) -> None:
        """The handshake again, then what the old session had: the log level (``_initialize``
        sends it), the resource subscriptions and the standalone GET stream."""
        try:
            forget = getattr(self.transport, "forget_session", None)
            version = self.protocol_version
            if forget is None or version is None:
                raise exc
            log.info("%s; starting a new session", exc)
            had_stream = forget()
            await self._initialize(version)
            self._session_generation += 1
            hook = getattr(self.transport, "set_protocol_version", None)
            if hook is not None:
                hook(self.protocol_version)
            if had_stream or self._hears_server():
                self._hear_server()
            session = self._session()
            for uri in sorted(self._subscriptions):
                await session.request(
                    "resources/subscribe", t.SubscribeParams(uri=uri), t.EmptyResult
                )
        finally:
            self._renewal = None

    def _hears_server(self) -> bool:
        """Whether anything here waits for what a server sends outside a request: a
        capability its requests go to, a notification callback, a subscription or a log
        level."""
        return (
            self._roots is not None
            or self._sampling is not None
            or self._elicitation is not None
            or self.on_notification is not None
            or any(getattr(self, name) is not None for name, _ in _TYPED.values())
            or bool(self._subscriptions)
            or self.log_level is not None
        )

    def _hear_server(self) -> None:
        """Have the transport open its channel for what the server sends outside a request,
        if it has one and has not opened it (streamable HTTP's standalone GET stream with
        ``standalone_stream="auto"``, handshake era only); a no-op before ``connect()``,
        after close, and for every other transport."""
        session = getattr(self, "session", None)  # None while __init__ sets the callbacks
        if session is None or session.is_closed:
            return
        hook = getattr(self.transport, "open_standalone_stream", None)
        if hook is None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # assigned outside the event loop: opened by the next request that needs it
        hook()

    def _session(self) -> Session:
        if self.session is None:
            raise LocalProtocolError("the client is not started; use `async with`")
        return self.session

    @property
    def stateless(self) -> bool:
        """Whether the session speaks 2026-07-28 (per-request _meta, MRTR, listen)."""
        return self._session().protocol.stateless

    async def _on_request(self, session: Session, event: RequestReceived) -> Any:
        params: Any = {}
        if event.params is not None:
            params = msgspec.json.decode(event.params)
        return await self._answer(event.method, params)

    def _on_notification(
        self, session: Session, event: NotificationReceived
    ) -> Awaitable[None] | None:
        """What the client itself keeps track of (URL elicitations completed, listen
        acknowledgements, task states) is done here, as the message is read; only the
        callbacks run as tasks.  The session drops notification tasks beyond
        ``max_server_requests`` running at once (a flood guard): a burst of task states
        (one per task finishing together) lost some, and a handle the server had agreed
        to push to then slept until its safety poll (``DEFAULT_TASK_NOTIFIED_POLL_SECONDS``)."""
        method = event.method
        typed = _TYPED.get(method)
        callback = getattr(self, typed[0]) if typed is not None else None
        if method == "notifications/elicitation/complete":
            self._elicitation_done(event.params)
        elif method == "notifications/subscriptions/acknowledged":
            self._acknowledged(event.params)
        elif method == "notifications/tasks":
            try:
                state = msgspec.json.decode(event.params or b"{}", type=DetailedTask)
            except msgspec.ValidationError as exc:
                log.warning("dropping malformed notifications/tasks: %s", exc)
                return None
            self._task_notified(state)
            return None if callback is None else _call(callback, state)
        if callback is None and self.on_notification is None:
            return None
        return self._callbacks(method, event, typed, callback)

    async def _callbacks(
        self,
        method: str,
        event: NotificationReceived,
        typed: tuple[str, type | None] | None,
        callback: Any,
    ) -> None:
        if callback is None:
            if self.on_notification is not None:
                params = msgspec.json.decode(event.params) if event.params is not None else {}
                await _maybe(self.on_notification(method, params))
            return
        assert typed is not None
        if typed[1] is None:
            await _maybe(callback())
            return
        try:
            value: Any = msgspec.json.decode(event.params or b"{}", type=typed[1])
        except msgspec.ValidationError as exc:
            log.warning("dropping malformed %s: %s", method, exc)
            return
        await _maybe(callback(value))

    def _elicitation_done(self, raw: msgspec.Raw | None) -> None:
        try:
            p = msgspec.json.decode(raw or b"{}", type=t.ElicitationCompleteNotificationParams)
        except msgspec.ValidationError:
            return
        event = self._elicitations.get(p.elicitation_id)
        if event is not None:
            event.set()


async def _call(callback: Callable[[Any], Any], value: Any) -> None:
    await _maybe(callback(value))


async def _maybe(value: Any) -> None:
    if (value is not None and asyncio.iscoroutine(value)) or isinstance(value, asyncio.Future):
        await value


def _pick(offered: Any, ours: Sequence[str]) -> str | None:
    """The newest version in both lists (ours is newest first)."""
    if not isinstance(offered, list):
        return None
    for version in ours:
        if version in offered:
            return version
    return None


__all__ = ["Client"]
