"""Shared state for several workers serving one MCP server: the store protocols (layer 3).

Without a store (the default) a handshake-era ``Mcp-Session-Id`` session, its SSE replay
logs and its subscriptions live in the memory of the process that created them, exactly as
before: nothing here runs.  ``Server(store=...)`` makes every worker able to serve every
session (no sticky routing) through three small async protocols, so another backend is a
short file:

- ``SessionStore``: the session record (negotiated revision, client info and capabilities,
  log level, resource subscriptions, owner), TTL'd and refreshed by every request.
- ``EventStore``: per-stream SSE replay (``Last-Event-ID``), bounded per stream and by TTL.
- ``MessageBus``: per-session channels carrying what one worker must hand another (client
  answers to server->client requests, events of a stream whose client sits on another
  worker, the end of a session).
- ``WorkerRegistry``: a TTL'd heartbeat per worker, so a worker resuming a stream another
  worker writes learns when that writer died (and ends the stream with an error, never hangs).

``MemoryStore`` implements them in one process (several apps sharing it behave like several
workers; tests use it); ``RedisStore`` (``_server/redis_store.py``) across processes.  A
store that cannot reach its backend raises ``StoreUnavailable``; the HTTP app answers 503
with a JSON-RPC error body, never waits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final, Protocol, runtime_checkable

import msgspec

from .._server.subscriptions import MemoryBus, SubscriptionBus
from .._server.tasks import MemoryTaskStore

__all__ = [
    "DEFAULT_STORE_HEARTBEAT_SECONDS",
    "DEFAULT_STORE_MAX_EVENTS_PER_STREAM",
    "DEFAULT_STORE_MAX_EVENT_BYTES",
    "DEFAULT_STORE_MAX_SESSIONS",
    "DEFAULT_STORE_MAX_STREAM_BYTES",
    "DEFAULT_STORE_RESUME_WAIT_SECONDS",
    "DEFAULT_STORE_REVALIDATE_SECONDS",
    "DEFAULT_STORE_SESSION_TTL_SECONDS",
    "SESSION_RECORD_VERSION",
    "EventStore",
    "MemoryStore",
    "MessageBus",
    "SessionRecord",
    "SessionStore",
    "Store",
    "StoreUnavailable",
    "WorkerRegistry",
    "use_store",
]

# A session nobody used for this long is forgotten by the store (every request, and every
# minute of an open GET stream, renews it); the same as DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS.
DEFAULT_STORE_SESSION_TTL_SECONDS: Final = 1800.0
# Events kept per stream for Last-Event-ID replay (as DEFAULT_MAX_EVENTS_PER_STREAM in one
# process): a client that never reads costs at most this many events per stream.
DEFAULT_STORE_MAX_EVENTS_PER_STREAM: Final = 256
# A worker trusts its copy of a session record this long after reading it, so a busy
# session costs no store read per request; a DELETE or a change on another worker reaches it
# at once on the bus, and the TTL is renewed at this pace.  0: read on every request.
DEFAULT_STORE_REVALIDATE_SECONDS: Final = 1.0
# Live sessions in the whole store, every worker together (each worker's own max_sessions
# bounds only the copies it holds): a new session past this gets 503.
DEFAULT_STORE_MAX_SESSIONS: Final = 100_000
# Bytes of one replay event the store keeps: a bigger event is still sent to its client, but
# not stored, and that stream is then not durable (its client is told; see shared_stream.py).
DEFAULT_STORE_MAX_EVENT_BYTES: Final = 4 * 1024 * 1024
# Bytes of one stream's replay log in the store (with max_events_per_stream): the oldest
# events go first, as with the count, so a client that never reads costs at most this much.
DEFAULT_STORE_MAX_STREAM_BYTES: Final = 16 * 1024 * 1024
# A worker's heartbeat lives this long in the store, renewed every third of it: a worker
# resuming a stream whose writer's heartbeat is gone knows the writer died.
DEFAULT_STORE_HEARTBEAT_SECONDS: Final = 10.0
# A stream resumed on a worker other than its writer, with the writer alive, ends with a
# JSON-RPC error after this long with nothing new on it (never a hang).
DEFAULT_STORE_RESUME_WAIT_SECONDS: Final = 300.0
# The layout of SessionRecord: a worker refuses (503, naming both) a record of another one.
SESSION_RECORD_VERSION: Final = 1


class StoreUnavailable(Exception):
    """The store's backend cannot be reached (or refused a write, e.g. Redis maxmemory)."""


class SessionRecord(msgspec.Struct, omit_defaults=True):
    """What every worker must know to serve a handshake-era session.

    ``v`` is the layout's version (``SESSION_RECORD_VERSION``), always written: a worker of
    another mcplite version may store a record this one would misread (a field renamed or
    retyped decodes as its default), so a record of another version is refused, never read.
    0 is a record without one (written before versions existed)."""

    v: int = 0
    protocol_version: str | None = None
    client_info: Any = None  # t.Implementation as JSON
    client_capabilities: Any = None  # t.ClientCapabilities as JSON
    log_level: str | None = None
    subscriptions: list[str] = []
    owner: list[str] | None = None  # (issuer-or-kind, subject) of the bearer token's user
    home: str = ""  # the worker delivering change notifications (holds the GET stream)


@runtime_checkable
class SessionStore(Protocol):
    async def create(self, sid: str, record: bytes, ttl: float, max_sessions: int) -> bool:
        """Keep the first record of a new session; False (nothing kept) when the store
        already holds ``max_sessions`` live sessions."""
        ...

    async def put(self, sid: str, record: bytes, ttl: float) -> None:
        """Create or replace the (encoded) record of ``sid``."""
        ...

    async def get(self, sid: str, ttl: float) -> bytes | None:
        """The record of ``sid`` (renewing its TTL), or None when unknown or expired."""
        ...

    async def delete(self, sid: str) -> bool:
        """Forget ``sid`` and its event streams; True when it existed."""
        ...


@runtime_checkable
class EventStore(Protocol):
    async def append(
        self,
        sid: str,
        stream: str,
        events: list[tuple[int | None, bytes]],
        max_events: int,
        ttl: float,
        *,
        max_bytes: int = DEFAULT_STORE_MAX_STREAM_BYTES,
        meta: bytes | None = None,
    ) -> list[int]:
        """Append (index, event) pairs to one stream, keeping its last ``max_events`` and at
        most ``max_bytes`` of events (the oldest go first); an index of None takes the
        stream's next one.  ``meta``, when given, replaces the stream's small record (who
        writes it, which requests it answers).  Returns the indices."""
        ...

    async def replay(self, sid: str, stream: str, after: int) -> list[tuple[int, bytes]]:
        """(index, event) of the events kept with an index above ``after``, oldest first."""
        ...

    async def meta(self, sid: str, stream: str) -> bytes | None:
        """The stream's record given to ``append``, or None."""
        ...


@runtime_checkable
class WorkerRegistry(Protocol):
    async def beat(self, worker: str, ttl: float) -> None:
        """``worker`` is alive for ``ttl`` seconds more."""
        ...

    async def alive(self, worker: str) -> bool:
        """Whether ``worker``'s last heartbeat is younger than its ttl."""
        ...


Handler = Callable[[bytes], None]


@runtime_checkable
class MessageBus(Protocol):
    async def publish(self, channel: str, message: bytes) -> None:
        """Send ``message`` to every subscriber of ``channel`` on every worker."""
        ...

    async def subscribe(self, channel: str, handler: Handler) -> None:
        """Call ``handler(message)`` for what is published on ``channel``."""
        ...

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        """Stop calling ``handler`` for ``channel``."""
        ...


@runtime_checkable
class Store(Protocol):
    """A backend: its three parts, and the subscription bus for change notifications."""

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def events(self) -> EventStore: ...

    @property
    def bus(self) -> MessageBus: ...

    @property
    def workers(self) -> WorkerRegistry: ...

    @property
    def session_ttl(self) -> float: ...

    @property
    def max_events_per_stream(self) -> int: ...

    @property
    def revalidate_after(self) -> float: ...

    @property
    def max_sessions(self) -> int: ...

    @property
    def max_event_bytes(self) -> int: ...

    @property
    def max_stream_bytes(self) -> int: ...

    @property
    def heartbeat(self) -> float: ...

    @property
    def resume_wait(self) -> float: ...

    def subscription_bus(self) -> SubscriptionBus: ...

    async def aclose(self) -> None: ...


# ------------------------------------------------------------------------ in memory


class _MemorySessions:
    def __init__(self, owner: MemoryStore) -> None:
        self._owner = owner
        self.records: dict[str, tuple[bytes, float]] = {}

    async def create(self, sid: str, record: bytes, ttl: float, max_sessions: int) -> bool:
        if len(self.records) >= max_sessions:
            now = time.monotonic()
            for old in [k for k, (_, until) in self.records.items() if until < now]:
                await self.delete(old)
            if len(self.records) >= max_sessions:
                return False
        await self.put(sid, record, ttl)
        return True

    async def put(self, sid: str, record: bytes, ttl: float) -> None:
        self.records[sid] = (record, time.monotonic() + ttl)

    async def get(self, sid: str, ttl: float) -> bytes | None:
        found = self.records.get(sid)
        if found is None:
            return None
        if found[1] < time.monotonic():
            await self.delete(sid)
            return None
        self.records[sid] = (found[0], time.monotonic() + ttl)
        return found[0]

    async def delete(self, sid: str) -> bool:
        events = self._owner.events
        for key in [k for k in events.logs if k[0] == sid]:
            del events.logs[key]
            events.next.pop(key, None)
            events.metas.pop(key, None)
        return self.records.pop(sid, None) is not None


class _MemoryEvents:
    def __init__(self) -> None:
        self.logs: dict[tuple[str, str], deque[tuple[int, bytes]]] = {}
        self.next: dict[tuple[str, str], int] = {}
        self.sizes: dict[tuple[str, str], int] = {}
        self.metas: dict[tuple[str, str], bytes] = {}

    async def append(
        self,
        sid: str,
        stream: str,
        events: list[tuple[int | None, bytes]],
        max_events: int,
        ttl: float,
        *,
        max_bytes: int = DEFAULT_STORE_MAX_STREAM_BYTES,
        meta: bytes | None = None,
    ) -> list[int]:
        key = (sid, stream)
        if meta is not None:
            self.metas[key] = meta
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = deque()
        size = self.sizes.get(key, 0)
        out = []
        for idx, ev in events:
            if idx is None:
                idx = self.next.get(key, 1)  # store-assigned indices start at 1, as INCR
            self.next[key] = idx + 1
            log.append((idx, ev))
            size += len(ev)
            while log and (len(log) > max_events or size > max_bytes):
                size -= len(log.popleft()[1])
            out.append(idx)
        self.sizes[key] = size
        return out

    async def replay(self, sid: str, stream: str, after: int) -> list[tuple[int, bytes]]:
        return [(i, ev) for i, ev in self.logs.get((sid, stream), ()) if i > after]

    async def meta(self, sid: str, stream: str) -> bytes | None:
        return self.metas.get((sid, stream))


class _MemoryWorkers:
    def __init__(self) -> None:
        self.until: dict[str, float] = {}

    async def beat(self, worker: str, ttl: float) -> None:
        self.until[worker] = time.monotonic() + ttl

    async def alive(self, worker: str) -> bool:
        return self.until.get(worker, 0.0) > time.monotonic()


class _MemoryMessages:
    def __init__(self) -> None:
        self.handlers: dict[str, list[Handler]] = {}

    async def publish(self, channel: str, message: bytes) -> None:
        loop = asyncio.get_running_loop()
        for handler in list(self.handlers.get(channel, ())):
            # Delivered on a later loop turn, as from a broker: never re-entrantly.
            loop.call_soon(handler, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        self.handlers.setdefault(channel, []).append(handler)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self.handlers.get(channel)
        if handlers is not None and handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self.handlers[channel]


class MemoryStore:
    """The store protocols within one process: several ``StreamableHTTPApp``s (workers)
    sharing one ``MemoryStore`` share their sessions.  A template for other backends."""

    def __init__(
        self,
        *,
        session_ttl: float = DEFAULT_STORE_SESSION_TTL_SECONDS,
        max_events_per_stream: int = DEFAULT_STORE_MAX_EVENTS_PER_STREAM,
        revalidate_after: float = DEFAULT_STORE_REVALIDATE_SECONDS,
        max_sessions: int = DEFAULT_STORE_MAX_SESSIONS,
        max_event_bytes: int = DEFAULT_STORE_MAX_EVENT_BYTES,
        max_stream_bytes: int = DEFAULT_STORE_MAX_STREAM_BYTES,
        heartbeat: float = DEFAULT_STORE_HEARTBEAT_SECONDS,
        resume_wait: float = DEFAULT_STORE_RESUME_WAIT_SECONDS,
    ) -> None:
        check_event_limits(max_event_bytes, max_stream_bytes)
        self.session_ttl = session_ttl
        self.max_sessions = max_sessions
        self.max_events_per_stream = max_events_per_stream
        self.revalidate_after = revalidate_after
        self.max_event_bytes = max_event_bytes
        self.max_stream_bytes = max_stream_bytes
        self.heartbeat = heartbeat
        self.resume_wait = resume_wait
        self.events = _MemoryEvents()
        self.sessions = _MemorySessions(self)
        self.bus = _MemoryMessages()
        self.workers = _MemoryWorkers()
        self._changes = MemoryBus()

    def subscription_bus(self) -> SubscriptionBus:
        return self._changes

    async def aclose(self) -> None:
        return None


def check_event_limits(max_event_bytes: int, max_stream_bytes: int) -> None:
    """A store's byte caps must make sense together (one event must fit in a stream)."""
    if not 0 < max_event_bytes <= max_stream_bytes:
        raise ValueError(
            "need 0 < max_event_bytes <= max_stream_bytes: one event must fit in its stream "
            f"(got max_event_bytes={max_event_bytes}, max_stream_bytes={max_stream_bytes})"
        )


def use_store(server: Any, store: Store) -> None:
    """Give a ``Server`` a store (``Server(store=)`` calls this): its sessions, its change
    notifications unless it has its own bus, its task records unless it has its own
    ``task_store``."""
    server.store = store
    if isinstance(server.subscriptions.bus, MemoryBus):
        server.subscriptions.bus = store.subscription_bus()
    make = getattr(store, "task_store", None)
    if make is not None and isinstance(server.tasks.store, MemoryTaskStore):
        server.tasks.store = make()
        server.tasks.store.bind(server.tasks)
