"""``RedisStore``: the store protocols of ``_server/store.py`` on Redis (layer 3).

Needs redis-py (``pip install 'mcplite[redis]'``), imported when a ``RedisStore`` is first
used, never by ``import mcplite``.  Redis >= 6.2 (GETEX, exclusive XRANGE).

Keys (all under ``prefix``, the session id in a hash tag so a cluster keeps a session's keys
in one slot), every one TTL'd:

- ``<prefix>{<sid>}:r``    the session record (a string; GETEX renews it on every request)
- ``<prefix>{<sid>}:e:<k>`` the replay log of stream ``k`` (a Stream, bounded in entries and
  bytes; entry ``0-<index+1>``), ``<prefix>{<sid>}:n:<k>`` its hash: next index when the
  store assigns them (``n``), bytes kept (``b``), the stream's record (``m``: its writer and
  the requests it answers)
- ``<prefix>w:<worker>`` a worker's heartbeat
- channels ``<prefix>s:<sid>`` (pub/sub) for a session's bus, ``<prefix>changes`` for
  change notifications (``Server(bus=)``).

Every command has a timeout; after a failure the store answers ``StoreUnavailable`` at once
for a backoff that doubles from ``retry_min`` to ``retry_max`` while Redis stays away, then
tries again, so a Redis restart costs 503s for a moment, never a hang.  The pub/sub reader
reconnects with the same bounded backoff and subscribes its channels again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec

from .._server.store import (
    DEFAULT_STORE_HEARTBEAT_SECONDS,
    DEFAULT_STORE_MAX_EVENT_BYTES,
    DEFAULT_STORE_MAX_EVENTS_PER_STREAM,
    DEFAULT_STORE_MAX_SESSIONS,
    DEFAULT_STORE_MAX_STREAM_BYTES,
    DEFAULT_STORE_RESUME_WAIT_SECONDS,
    DEFAULT_STORE_REVALIDATE_SECONDS,
    DEFAULT_STORE_SESSION_TTL_SECONDS,
    Handler,
    StoreUnavailable,
    check_event_limits,
)
from .._server.subscriptions import ChangeEvent, Listener

__all__ = [
    "DEFAULT_REDIS_CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_REDIS_KEY_PREFIX",
    "DEFAULT_REDIS_MAX_CONNECTIONS",
    "DEFAULT_REDIS_RETRY_MAX_SECONDS",
    "DEFAULT_REDIS_RETRY_MIN_SECONDS",
    "DEFAULT_REDIS_TIMEOUT_SECONDS",
    "RedisStore",
]

log = logging.getLogger(__name__)

DEFAULT_REDIS_KEY_PREFIX: Final = "mcplite:"
DEFAULT_REDIS_TIMEOUT_SECONDS: Final = 1.0  # one command, connection included
DEFAULT_REDIS_CONNECT_TIMEOUT_SECONDS: Final = 1.0
DEFAULT_REDIS_RETRY_MIN_SECONDS: Final = 0.05  # first backoff after a failure
DEFAULT_REDIS_RETRY_MAX_SECONDS: Final = 2.0  # longest backoff while Redis stays away
DEFAULT_REDIS_MAX_CONNECTIONS: Final = 64  # command connections per worker (pub/sub: +1)

_CHANGES: Final = "changes"

# KEYS: the stream, its hash (n: next index, b: bytes kept, m: the stream's record).
# ARGV: maxlen, ttl ms, max bytes, meta ('' for none), then (index or "", event) pairs.
# The oldest entries go while the stream holds more than maxlen entries or max bytes.
_APPEND: Final = """
local out = {}
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'm', ARGV[4]) end
local maxlen, maxbytes = tonumber(ARGV[1]), tonumber(ARGV[3])
local size = tonumber(redis.call('HGET', KEYS[2], 'b') or '0')
for i = 5, #ARGV, 2 do
  local idx = ARGV[i]
  if idx == '' then
    idx = redis.call('HINCRBY', KEYS[2], 'n', 1)
  else
    idx = tonumber(idx)
    redis.call('HSET', KEYS[2], 'n', idx)
  end
  redis.call('XADD', KEYS[1], '0-' .. (idx + 1), 'd', ARGV[i + 1])
  size = size + #ARGV[i + 1]
  out[#out + 1] = idx
end
local len = redis.call('XLEN', KEYS[1])
while len > 0 and (len > maxlen or size > maxbytes) do
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  size = size - #oldest[2][2]
  redis.call('XDEL', KEYS[1], oldest[1])
  len = len - 1
end
redis.call('HSET', KEYS[2], 'b', size)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return out
"""


# KEYS: the live-session zset (sid -> expiry ms).  ARGV: now ms, max, sid, expiry ms.
_ADMIT: Final = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
return 1
"""


class _Breaker:
    """Fail fast while Redis is away, retrying after a bounded, doubling backoff."""

    def __init__(self, timeout: float, retry_min: float, retry_max: float) -> None:
        self.timeout = timeout
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.backoff = retry_min
        self.down_until = 0.0
        self.reason = ""

    async def run(self, call: Callable[[], Awaitable[Any]]) -> Any:
        from redis.exceptions import RedisError, ResponseError  # lazy: redis extra

        if self.down_until and time.monotonic() < self.down_until:
            raise StoreUnavailable(f"Redis unreachable: {self.reason}")
        try:
            async with asyncio.timeout(self.timeout):
                result = await call()
        except ResponseError as exc:
            # Redis answered (e.g. OOM under maxmemory): refuse this one, stay connected.
            text = str(exc)
            if "maxmemory" in text or text.startswith("OOM"):
                raise StoreUnavailable(f"Redis is full (maxmemory): {text}") from exc
            raise StoreUnavailable(f"Redis refused the command: {text}") from exc
        except (RedisError, OSError, TimeoutError) as exc:
            self.reason = str(exc) or type(exc).__name__
            self.down_until = time.monotonic() + self.backoff
            self.backoff = min(self.backoff * 2, self.retry_max)
            raise StoreUnavailable(f"Redis unreachable: {self.reason}") from exc
        self.down_until = 0.0
        self.backoff = self.retry_min
        return result


class _Sessions:
    def __init__(self, store: RedisStore) -> None:
        self._s = store

    async def create(self, sid: str, record: bytes, ttl: float, max_sessions: int) -> bool:
        # The count lives in one key outside the session's hash slot: its own command.
        s = self._s
        now = int(time.time() * 1000)
        args = [now, max_sessions, sid, now + int(ttl * 1000)]
        ok = await s.run(lambda: s.admit_script(keys=[s.live_key], args=args))
        if not ok:
            return False
        await self.put(sid, record, ttl)
        return True

    async def put(self, sid: str, record: bytes, ttl: float) -> None:
        s = self._s
        key = s.key(sid, "r")
        await s.run(lambda: s.client.set(key, record, px=int(ttl * 1000)))

    async def get(self, sid: str, ttl: float) -> bytes | None:
        s = self._s
        key = s.key(sid, "r")
        px = int(ttl * 1000)

        async def renew() -> Any:
            pipe = s.client.pipeline(transaction=False)
            pipe.getex(key, px=px)
            # The live count follows the record's TTL (xx: never re-adds a deleted session).
            pipe.zadd(s.live_key, {sid: int(time.time() * 1000) + px}, xx=True)
            return await pipe.execute()

        got: bytes | None = (await s.run(renew))[0]
        return got

    async def delete(self, sid: str) -> bool:
        s = self._s
        # The records of POST streams are left to their TTL (their keys are not known here);
        # a replay needs the session record, which is gone.
        keys = [s.key(sid, k) for k in ("r", "e:0", "n:0", "e:c", "n:c")]
        n: int = await s.run(lambda: s.client.delete(*keys))
        await s.run(lambda: s.client.zrem(s.live_key, sid))
        return n > 0


class _Events:
    def __init__(self, store: RedisStore) -> None:
        self._s = store

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
        s = self._s
        argv: list[Any] = [max_events, int(ttl * 1000), max_bytes, meta or b""]
        for idx, ev in events:
            argv.append("" if idx is None else idx)
            argv.append(ev)
        keys = [s.key(sid, f"e:{stream}"), s.key(sid, f"n:{stream}")]
        got = await s.run(lambda: s.append_script(keys=keys, args=argv))
        return [int(i) for i in got]

    async def replay(self, sid: str, stream: str, after: int) -> list[tuple[int, bytes]]:
        s = self._s
        key = s.key(sid, f"e:{stream}")
        rows = await s.run(lambda: s.client.xrange(key, f"(0-{after + 1}", "+"))
        return [(int(rid.split(b"-")[1]) - 1, fields[b"d"]) for rid, fields in rows]

    async def meta(self, sid: str, stream: str) -> bytes | None:
        s = self._s
        key = s.key(sid, f"n:{stream}")
        got: bytes | None = await s.run(lambda: s.client.hget(key, "m"))
        return got


class _Workers:
    """Heartbeats: ``<prefix>w:<worker>``, a TTL'd string."""

    def __init__(self, store: RedisStore) -> None:
        self._s = store

    async def beat(self, worker: str, ttl: float) -> None:
        s = self._s
        key = f"{s.prefix}w:{worker}"
        await s.run(lambda: s.client.set(key, b"1", px=max(int(ttl * 1000), 1)))

    async def alive(self, worker: str) -> bool:
        s = self._s
        key = f"{s.prefix}w:{worker}"
        n: int = await s.run(lambda: s.client.exists(key))
        return n > 0


class _Bus:
    """Pub/sub: one reader connection per worker, handlers by channel."""

    def __init__(self, store: RedisStore) -> None:
        self._s = store
        self.handlers: dict[str, list[Handler]] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    async def publish(self, channel: str, message: bytes) -> None:
        s = self._s
        name = s.prefix + channel
        await s.run(lambda: s.client.publish(name, message))

    async def subscribe(self, channel: str, handler: Handler) -> None:
        handlers = self.handlers.setdefault(channel, [])
        handlers.append(handler)
        if len(handlers) == 1:
            await self._start()
            ps = self._pubsub
            if ps is not None:
                name = self._s.prefix + channel
                try:
                    await self._s.run(lambda: ps.subscribe(name))
                except StoreUnavailable:
                    handlers.remove(handler)
                    if not handlers:
                        del self.handlers[channel]
                    raise

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self.handlers.get(channel)
        if handlers is None or handler not in handlers:
            return
        handlers.remove(handler)
        if not handlers:
            del self.handlers[channel]
            ps = self._pubsub
            if ps is not None:
                name = self._s.prefix + channel
                await self._s.run(lambda: ps.unsubscribe(name))

    async def _start(self) -> None:
        if self._reader is None:
            self._ready = asyncio.Event()
            self._reader = asyncio.ensure_future(self._read())
        assert self._ready is not None
        if not self._ready.is_set():
            try:
                async with asyncio.timeout(self._s.breaker.timeout):
                    await self._ready.wait()
            except TimeoutError as exc:
                raise StoreUnavailable("Redis pub/sub unreachable") from exc

    async def _connect(self) -> Any:
        s = self._s
        ps = s.client.pubsub(ignore_subscribe_messages=True)
        # Always subscribed to something, so the reader never spins on an idle connection.
        names = [s.prefix + _CHANGES, *(s.prefix + c for c in self.handlers)]
        async with asyncio.timeout(s.breaker.timeout):
            await ps.subscribe(*names)
        return ps

    async def _read(self) -> None:
        s = self._s
        backoff = s.breaker.retry_min
        plen = len(s.prefix)
        while True:
            try:
                if self._pubsub is None:
                    self._pubsub = await self._connect()
                    backoff = s.breaker.retry_min
                    assert self._ready is not None
                    self._ready.set()
                msg = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Redis pub/sub: %s; reconnecting in %.2f s", exc, backoff)
                await self._drop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, s.breaker.retry_max)
                continue
            if msg is None or msg.get("type") != "message":
                continue
            channel = msg["channel"].decode()[plen:]
            for handler in list(self.handlers.get(channel, ())):
                try:
                    handler(msg["data"])
                except Exception:
                    log.exception("bus handler failed")
            if channel == _CHANGES:
                s.changes.received(msg["data"])

    async def _drop(self) -> None:
        ps, self._pubsub = self._pubsub, None
        if self._ready is not None:
            self._ready.clear()
        if ps is not None:
            try:
                async with asyncio.timeout(self._s.breaker.timeout):
                    await ps.aclose()
            except Exception:  # already broken: nothing more to release
                log.debug("pub/sub close failed", exc_info=True)

    async def aclose(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            try:
                await reader
            except asyncio.CancelledError:
                pass
        await self._drop()


class _Changes:
    """The ``SubscriptionBus`` of change notifications, on the ``changes`` channel."""

    def __init__(self, store: RedisStore) -> None:
        self._s = store
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def publish(self, event: ChangeEvent) -> None:
        s = self._s
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            # A sync tool runs in a worker thread: publish from the serving loop.
            loop = self._loop
            if loop is None or loop.is_closed():
                log.warning("change %r not published: no event loop is running", event)
            else:
                loop.call_soon_threadsafe(self.publish, event)
            return
        data = msgspec.json.encode(event)
        task = asyncio.ensure_future(s.bus.publish(_CHANGES, data))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("change not published: %s", task.exception())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        try:
            self._loop = asyncio.get_running_loop()
            task = asyncio.ensure_future(self._s.bus._start())
            self._tasks.add(task)
            task.add_done_callback(self._done)
        except RuntimeError:
            pass  # no loop yet: the first session's subscribe starts the reader
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def received(self, data: bytes) -> None:
        try:
            event = msgspec.json.decode(data, type=ChangeEvent)
        except msgspec.DecodeError:
            log.warning("undecodable change event dropped")
            return
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("subscription listener failed")


class RedisStore:
    """Sessions, replay logs, the session bus and change notifications on one Redis."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = DEFAULT_REDIS_KEY_PREFIX,
        session_ttl: float = DEFAULT_STORE_SESSION_TTL_SECONDS,
        max_events_per_stream: int = DEFAULT_STORE_MAX_EVENTS_PER_STREAM,
        revalidate_after: float = DEFAULT_STORE_REVALIDATE_SECONDS,
        timeout: float = DEFAULT_REDIS_TIMEOUT_SECONDS,
        connect_timeout: float = DEFAULT_REDIS_CONNECT_TIMEOUT_SECONDS,
        retry_min: float = DEFAULT_REDIS_RETRY_MIN_SECONDS,
        retry_max: float = DEFAULT_REDIS_RETRY_MAX_SECONDS,
        max_connections: int = DEFAULT_REDIS_MAX_CONNECTIONS,
        max_sessions: int = DEFAULT_STORE_MAX_SESSIONS,
        max_event_bytes: int = DEFAULT_STORE_MAX_EVENT_BYTES,
        max_stream_bytes: int = DEFAULT_STORE_MAX_STREAM_BYTES,
        heartbeat: float = DEFAULT_STORE_HEARTBEAT_SECONDS,
        resume_wait: float = DEFAULT_STORE_RESUME_WAIT_SECONDS,
    ) -> None:
        check_event_limits(max_event_bytes, max_stream_bytes)
        self.url = url
        self.max_event_bytes = max_event_bytes
        self.max_stream_bytes = max_stream_bytes
        self.heartbeat = heartbeat
        self.resume_wait = resume_wait
        self.prefix = prefix
        self.session_ttl = session_ttl
        self.max_events_per_stream = max_events_per_stream
        self.revalidate_after = revalidate_after
        self.connect_timeout = connect_timeout
        self.max_connections = max_connections
        self.max_sessions = max_sessions
        self.live_key = f"{prefix}sessions"
        self._admit: Any = None
        self.breaker = _Breaker(timeout, retry_min, retry_max)
        self.sessions = _Sessions(self)
        self.events = _Events(self)
        self.bus = _Bus(self)
        self.workers = _Workers(self)
        self.changes = _Changes(self)
        self._client: Any = None
        self._script: Any = None
        self._tasks: Any = None

    def key(self, sid: str, part: str) -> str:
        return f"{self.prefix}{{{sid}}}:{part}"

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import redis.asyncio as aioredis  # lazy: redis extra
                from redis.asyncio.retry import Retry  # lazy: redis extra
                from redis.backoff import NoBackoff  # lazy: redis extra
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise RuntimeError(
                    "RedisStore needs redis-py: pip install 'mcplite[redis]'"
                ) from exc
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=self.max_connections,
                timeout=self.breaker.timeout,
                socket_timeout=self.breaker.timeout,
                socket_connect_timeout=self.connect_timeout,
                # One immediate retry on a fresh connection: after a Redis restart every pooled
                # connection is stale once.  Beyond that our breaker decides.
                retry=Retry(NoBackoff(), 1),
            )
            self._client = aioredis.Redis(connection_pool=pool)
        return self._client

    @property
    def append_script(self) -> Any:
        if self._script is None:
            self._script = self.client.register_script(_APPEND)
        return self._script

    @property
    def admit_script(self) -> Any:
        if self._admit is None:
            self._admit = self.client.register_script(_ADMIT)
        return self._admit

    async def run(self, call: Callable[[], Awaitable[Any]]) -> Any:
        return await self.breaker.run(call)

    def subscription_bus(self) -> _Changes:
        return self.changes

    def task_store(self) -> Any:
        """The ``TaskStore`` on this Redis (``_server/redis_tasks.py``), one per store."""
        if self._tasks is None:
            # lazy: redis task store only when tasks are used
            from .._server.redis_tasks import RedisTaskStore

            self._tasks = RedisTaskStore(self)
        return self._tasks

    async def aclose(self) -> None:
        await self.bus.aclose()
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
            # A client given its pool does not close it: its connections would stay open.
            await client.connection_pool.disconnect()
