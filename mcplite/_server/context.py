"""``Context``: what a handler can do besides returning a result (layer 3).

Injected into tools, prompts and resource handlers by annotation.  One API for both eras:
in the handshake era ``elicit``/``sample``/``list_roots`` are requests to the client; in
2026-07-28 they become multi-round-trip ``input_required`` results (``_mrtr.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from .. import types as t
from .._core.events import ClientState, RequestReceived
from .._core.meta import LOG_LEVELS, LOG_RANK

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .._auth.bearer import TokenInfo
    from .._io.session import Session
    from .._server.handle import ServerHandle


class Context:
    """The request being handled, and the ways to talk back to its client."""

    __slots__ = ("_event", "_last_progress", "meta", "params", "server", "session", "state_store")

    @property
    def lifespan(self) -> Any:
        """The value ``Server(lifespan=...)`` yielded (None without one); as
        ``ctx.request_context.lifespan_context`` in FastMCP and the official SDK."""
        return getattr(self.server, "lifespan_state", None)

    def __init__(
        self,
        server: ServerHandle,
        session: Session,
        event: RequestReceived,
        params: Any,
    ) -> None:
        self.server = server
        self.session = session
        self._event = event
        self.params = params
        meta = getattr(params, "meta", UNSET)
        self.meta: dict[str, Any] = meta if isinstance(meta, dict) else {}
        self.state_store: dict[str, Any] | None = None
        self._last_progress: float | None = None

    # --------------------------------------------------------------- about the request

    @property
    def request_id(self) -> int | str:
        """The JSON-RPC id of the request being handled."""
        return self._event.id

    @property
    def method(self) -> str:
        """The method of the request being handled (``tools/call``...)."""
        return self._event.method

    @property
    def client(self) -> ClientState | None:
        """Protocol version, capabilities and info of the client making this request."""
        return self._event.client

    @property
    def protocol_version(self) -> str | None:
        """The protocol revision of this request (in 2026-07-28, from its ``_meta``)."""
        c = self._event.client
        return c.protocol_version if c is not None else None

    @property
    def stateless(self) -> bool:
        """True for a 2026-07-28 (stateless era) request."""
        c = self._event.client
        return c is not None and c.stateless

    @property
    def client_capabilities(self) -> t.ClientCapabilities:
        """What the client said it can do (handshake, or this request's ``_meta``)."""
        c = self._event.client
        return c.capabilities if c is not None else t.ClientCapabilities()

    @property
    def progress_token(self) -> str | int | None:
        """The request's ``progressToken``, or None when the client asked for no progress."""
        token = self.meta.get("progressToken")
        return token if isinstance(token, (str, int)) else None

    @property
    def auth(self) -> TokenInfo | None:
        """The verified bearer token of this request (HTTP with ``RequireBearerToken``)."""
        # lazy: auth: bearer middleware only with RequireBearerToken
        from .._server.bearer import current_auth

        return current_auth(self.session)

    @property
    def session_state(self) -> dict[str, Any]:
        """Storage that lives as long as the session: the connection (stdio, in memory) or
        the HTTP session, in the handshake era.  2026-07-28 has no sessions (SEP-2567), so
        there it lasts one request on every transport: keep cross-call state behind a
        handle of your own."""
        if self.stateless:
            store = self.state_store
            if store is None:
                store = self.state_store = {}
            state: dict[str, Any] = store.setdefault("session_state", {})
            return state
        return self.session.state

    # --------------------------------------------------------------- notifications

    def _in_progress(self) -> bool:
        handling = getattr(self.session, "handling", None)
        return handling is None or bool(handling(self._event.id))

    async def progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Send notifications/progress if the request asked for it (it carried a token).

        ``progress`` must grow with each call (ValueError otherwise: 2025-11-25
        basic/utilities/progress.mdx, "The progress value MUST increase with each
        notification").  Once the request is answered or cancelled nothing is sent ("MUST
        only reference tokens ... associated with an in-progress operation")."""
        from .._server.tasks import task_progress  # lazy: cycle: tasks imports context

        text = f"{progress:g}" + ("" if total is None else f"/{total:g}")
        if await task_progress(self, text + ("" if message is None else f": {message}")):
            return  # inside a task: its statusMessage (SEP-2663 sends no progress)
        token = self.progress_token
        if token is None:
            return
        last = self._last_progress
        if last is not None and not progress > last:
            raise ValueError(
                f"progress must increase with each notification (2025-11-25 "
                f"basic/utilities/progress): got {progress} after {last}"
            )
        if not self._in_progress():
            log.debug("progress %s for request %r dropped: it has ended", progress, self.request_id)
            return
        self._last_progress = progress
        params = t.ProgressNotificationParams(
            progress_token=token,
            progress=progress,
            total=UNSET if total is None else total,
            message=UNSET if message is None else message,
        )
        await self.session.notify("notifications/progress", params, related=self.request_id)

    async def log(self, level: str, data: Any, *, logger: str | None = None) -> None:
        """Send notifications/message if ``level`` passes the client's threshold.

        Handshake era: the threshold is set by logging/setLevel (everything passes until
        then).  2026-07-28: it travels in each request's ``_meta`` logLevel, and with no
        level the client asked for no log messages at all.
        """
        if level not in LOG_RANK:
            raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        from .._server.tasks import current_run  # lazy: cycle: tasks imports context

        run = current_run(self)
        if run is not None and run.is_task:
            return  # SEP-2663: no notifications/message for tasks
        if self.server.capabilities().logging is UNSET:
            # 2025-11-25 server/utilities/logging.mdx: "Servers that emit log message
            # notifications MUST declare the logging capability" (Server(logging=False)).
            log.debug("ctx.log dropped: the server does not declare the logging capability")
            return
        client = self._event.client
        if client is not None and client.stateless:
            threshold = client.log_level
            if threshold is None:
                return
        else:
            threshold = self.session.state.get("log_level")
        if threshold is not None and LOG_RANK[level] < LOG_RANK.get(threshold, 0):
            return
        params = t.LoggingMessageNotificationParams(
            level=level,  # type: ignore[arg-type]
            data=data,
            logger=UNSET if logger is None else logger,
        )
        await self.session.notify("notifications/message", params, related=self.request_id)

    # --------------------------------------------------------------- tasks

    async def start_task(self) -> bool:
        """In a ``defer_task=True`` tool: answer the call with a ``CreateTaskResult`` now
        and go on in the background (input requests then park the task).  False when this
        call cannot be a task (the client did not negotiate the tasks extension)."""
        from .._server.tasks import start_task  # lazy: cycle: tasks imports context

        return await start_task(self)

    # --------------------------------------------------------------- client requests

    async def elicit(
        self, message: str, schema: Any = None, *, key: str | None = None
    ) -> t.ElicitResult:
        """Ask the user for input (form mode).  ``schema``: a JSON Schema dict or a type."""
        from .._server.input import elicit  # lazy: cycle: input imports context

        return await elicit(self, message, schema, key=key)

    async def elicit_url(
        self, message: str, url: str, elicitation_id: str, *, key: str | None = None
    ) -> t.ElicitResult:
        """Ask the user to visit ``url`` (URL mode, 2025-11-25+)."""
        from .._server.input import elicit_url  # lazy: cycle: input imports context

        return await elicit_url(self, message, url, elicitation_id, key=key)

    async def sample(
        self,
        messages: str | list[t.SamplingMessage],
        *,
        max_tokens: int = 1000,
        key: str | None = None,
        **options: Any,
    ) -> t.CreateMessageResult:
        """Ask the client's model for a completion (sampling/createMessage)."""
        from .._server.input import sample  # lazy: cycle: input imports context

        return await sample(self, messages, max_tokens=max_tokens, key=key, **options)

    async def list_roots(self, *, key: str | None = None) -> t.ListRootsResult:
        """Ask the client for its roots (roots/list)."""
        from .._server.input import list_roots  # lazy: cycle: input imports context

        return await list_roots(self, key=key)

    async def request_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Ask for several inputs at once: ``{key: ElicitParams | CreateMessageParams |
        ListRootsParams}`` -> ``{key: ElicitResult | CreateMessageResult |
        ListRootsResult}``.  Handshake era: concurrent requests to the client; 2026-07-28:
        one ``input_required`` round listing every missing key."""
        from .._server.input import request_many  # lazy: cycle: input imports context

        return await request_many(self, inputs)

    @property
    def request_state(self) -> Any:
        """A JSON-encodable value carried (sealed) across 2026-07-28 input rounds."""
        from .._server.input import get_state  # lazy: cycle: input imports context

        return get_state(self)

    @request_state.setter
    def request_state(self, value: Any) -> None:
        from .._server.input import set_state  # lazy: cycle: input imports context

        set_state(self, value)
