"""What the parts of a server see of the ``Server`` they belong to (layer 3).

``Context``, completion, subscriptions and the HTTP fronts are built by ``Server`` and need
a few of its attributes back. Declaring that view as a small ``Protocol`` here, below them
all, keeps the import graph acyclic (DESIGN.md section 3: a cycle means a small Protocol
belongs lower down) instead of each of them importing ``Server`` under ``TYPE_CHECKING``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .. import types as t
from .._io.session import Session
from .._io.transport import Transport


class ResourceLookup(Protocol):
    """The registered resources, as completion and subscriptions query them."""

    @property
    def templates(self) -> Mapping[str, Any]: ...

    def knows(self, uri: str) -> bool: ...


class PromptLookup(Protocol):
    """The registered prompts, as completion queries them."""

    @property
    def entries(self) -> Mapping[str, Any]: ...


class TaskLookup(Protocol):
    """The server's tasks (``_server/tasks.TaskManager``), as subscriptions query them."""

    @property
    def store(self) -> Any: ...

    async def watchable(self, ctx: Any, task_ids: list[str]) -> list[str]: ...


class ServerHandle(Protocol):
    """The ``Server`` as a request's ``Context`` and the server's own parts see it."""

    @property
    def info(self) -> t.Implementation: ...

    @property
    def state_key(self) -> bytes | str | None: ...

    @property
    def request_state_ttl(self) -> float: ...

    @property
    def max_request_state_bytes(self) -> int: ...

    @property
    def sessions(self) -> set[Session]: ...

    @property
    def resources(self) -> ResourceLookup: ...

    @property
    def prompts(self) -> PromptLookup: ...

    @property
    def tasks(self) -> TaskLookup: ...

    def capabilities(self) -> t.ServerCapabilities: ...


class ServedServer(Protocol):
    """The ``Server`` as its network fronts (streamable HTTP, legacy HTTP+SSE) see it: a
    connection to accept, the session table, the limits they apply before dispatch.  The
    fronts are imported by ``Server`` only when it serves HTTP, and type the server through
    this view, so none of them imports ``_server/server.py`` back."""

    @property
    def sessions(self) -> set[Session]: ...

    @property
    def max_json_depth(self) -> int: ...

    @property
    def abandoned_call_timeout(self) -> float | None: ...

    def accept(
        self,
        transport: Transport,
        *,
        assume_initialized: bool = ...,
        supported_versions: tuple[str, ...] = ...,
    ) -> Session: ...

    def input_schema_of(self, tool: str) -> Any: ...
