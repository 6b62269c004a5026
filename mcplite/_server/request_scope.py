"""``RequestScope``: the request a handler is serving, as data (layer 3).

Its id, method, client, params and ``_meta``, the session and server it arrived on, and the
per-request store.  ``Context`` (``_server/context.py``) adds what a handler can *do*
(progress, log, elicit, sample, start a task); the modules implementing those verbs
(``_server/input.py``, ``_server/tasks.py``) read the request through this class, so they
sit below ``Context`` and the import graph has no cycle (DESIGN.md section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from .. import types as t
from .._core.events import ClientState, RequestReceived

if TYPE_CHECKING:
    from .._auth.bearer import TokenInfo
    from .._io.session import Session
    from .._server.handle import ServerHandle


class RequestScope:
    """The request being handled: what it is, who sent it, where it arrived."""

    __slots__ = ("_event", "meta", "params", "server", "session", "state_store")

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

    @property
    def lifespan(self) -> Any:
        """The value ``Server(lifespan=...)`` yielded (None without one); as
        ``ctx.request_context.lifespan_context`` in FastMCP and the official SDK."""
        return getattr(self.server, "lifespan_state", None)

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
