"""``RedisTaskStore``: the ``TaskStore`` of ``_server/tasks.py`` on a ``RedisStore`` (layer 3).

Task records (SEP-2663) kept where every worker reads them, so a task started on worker A
is read (``tasks/get``) and cancelled (``tasks/cancel``) through worker B:

- ``<prefix>task:<id>``: the record (JSON), expiring ``ttl`` after its creation once it has
  ended, and renewed by every update while it runs (so the record of a task whose worker
  died still goes, after its TTL).  A terminal record is final: an update from a worker
  that has not heard of the cancellation yet cannot bring it back.
- ``<prefix>tasks``: a sorted set (task id -> expiry) bounding the live records
  (``max_tasks``, as ``MemoryTaskStore``); ``<prefix>towner:<owner>``: the owner's task ids.
- A record that turns ``cancelled`` is announced on ``<prefix>s:tasks``; the worker running
  the handler cancels it (``bind(manager)``, done by ``Server(store=)``).

- ``tasks/update`` answers received by a worker not running the handler are checked there,
  then published on ``<prefix>s:taskin``; the worker running the handler delivers them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Final

import msgspec

from .. import types as t
from .._core.tasks import TERMINAL
from .._io.background import spawn
from .._server.tasks import DEFAULT_MAX_TASKS, DEFAULT_TASK_TTL_SECONDS, TaskRecord, TaskStoreFull

__all__ = ["RedisTaskStore"]

log = logging.getLogger(__name__)

_CHANNEL: Final = "tasks"
_INPUTS: Final = "taskin"


@functools.cache
def _inputs_decoder() -> msgspec.json.Decoder[tuple[str, dict[str, Any]]]:
    return msgspec.json.Decoder(tuple[str, dict[str, Any]])  # built on first use


# KEYS: record, all-tasks zset, owner set.  ARGV: record JSON, px, now ms, max, task id.
_CREATE: Final = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[2]), ARGV[5])
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
"""
# KEYS: record, all-tasks zset.  ARGV: record JSON, px, now ms, task id.
# 1 updated, 0 not kept, -1 already terminal (left alone).
_UPDATE: Final = """
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
local status = cjson.decode(old)['status']
if status == 'completed' or status == 'failed' or status == 'cancelled' then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[2]), ARGV[4])
return 1
"""

_encode = msgspec.json.encode


def _decode(data: bytes) -> TaskRecord:
    return t.decoder(TaskRecord).decode(data)  # built on first use, not at import


class RedisTaskStore:
    """Task records on the Redis of ``store`` (``RedisStore.task_store()``)."""

    def __init__(self, store: Any, max_tasks: int = DEFAULT_MAX_TASKS) -> None:
        # store: the RedisStore (not imported: it imports this module)
        self.store = store
        self.max_tasks = max_tasks
        self._manager: Any = None
        self._scripts: dict[str, Any] = {}
        self._deliveries: set[asyncio.Future[Any]] = set()

    def _key(self, part: str) -> str:
        return f"{self.store.prefix}{part}"

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.store.client.register_script(source)
        return script

    @staticmethod
    def _px(record: TaskRecord, now: float) -> int:
        ttl = record.ttl_ms if record.ttl_ms is not None else int(DEFAULT_TASK_TTL_SECONDS * 1000)
        if record.status in TERMINAL:
            return max(int((record.created * 1000 + ttl) - now * 1000), 1)
        return max(ttl, 1)

    def bind(self, manager: Any) -> None:
        """Cancel this worker's handler of a task cancelled through another worker."""
        if self._manager is None:
            self._manager = manager

    async def _listen(self) -> None:
        if self._manager is not None and _CHANNEL not in self.store.bus.handlers:
            await self.store.bus.subscribe(_CHANNEL, self._on_cancel)
            await self.store.bus.subscribe(_INPUTS, self._on_inputs)

    def _on_cancel(self, raw: bytes) -> None:
        manager = self._manager
        run = manager.runs.pop(raw.decode(), None) if manager is not None else None
        if run is not None and run.runner is not None:
            run.runner.cancel()

    def _on_inputs(self, raw: bytes) -> None:
        manager = self._manager
        try:
            task_id, responses = _inputs_decoder().decode(raw)
        except msgspec.DecodeError:
            log.warning("undecodable tasks/update message ignored")
            return
        run = manager.runs.get(task_id) if manager is not None else None
        if run is None:
            return  # not running here
        spawn(self._deliveries, self._deliver(run, responses))

    async def _deliver(self, run: Any, responses: dict[str, Any]) -> None:
        try:
            await self._manager.deliver(run, responses)
        except Exception as exc:  # checked by the sending worker; the handler stays parked
            log.warning("tasks/update from another worker not delivered: %s", exc)

    async def forward_inputs(self, task_id: str, responses: dict[str, Any]) -> None:
        """``tasks/update`` answers for a handler another worker runs."""
        if responses:
            await self.store.bus.publish(_INPUTS, _encode((task_id, responses)))

    async def create(self, record: TaskRecord) -> None:
        await self._listen()
        now = time.time()
        s = self.store
        keys = [self._key(f"task:{record.task_id}"), self._key("tasks")]
        keys.append(self._key(f"towner:{record.owner}"))
        args = [_encode(record), self._px(record, now), int(now * 1000), self.max_tasks]
        args.append(record.task_id)
        ok = await s.run(lambda: self._script(_CREATE)(keys=keys, args=args))
        if not ok:
            raise TaskStoreFull(
                f"the task store is full ({self.max_tasks} tasks, max_tasks); "
                "retry after some expire"
            )

    async def get(self, task_id: str) -> TaskRecord | None:
        s = self.store
        key = self._key(f"task:{task_id}")
        raw = await s.run(lambda: s.client.get(key))
        if raw is None:
            return None
        try:
            return _decode(raw)
        except msgspec.DecodeError:
            log.warning("task %s: undecodable record ignored", task_id)
            return None

    async def update(self, record: TaskRecord) -> None:
        now = time.time()
        s = self.store
        keys = [self._key(f"task:{record.task_id}"), self._key("tasks")]
        args = [_encode(record), self._px(record, now), int(now * 1000), record.task_id]
        done = await s.run(lambda: self._script(_UPDATE)(keys=keys, args=args))
        if done == 1 and record.status == "cancelled":
            await s.bus.publish(_CHANNEL, record.task_id.encode())

    async def list_for_owner(self, owner: str) -> list[TaskRecord]:
        s = self.store
        key = self._key(f"towner:{owner}")
        ids = sorted(await s.run(lambda: s.client.smembers(key)))
        if not ids:
            return []
        keys = [self._key(f"task:{i.decode()}") for i in ids]
        raws = await s.run(lambda: s.client.mget(keys))
        out = []
        for raw in raws:
            if raw is not None:
                try:
                    out.append(_decode(raw))
                except msgspec.DecodeError:
                    continue
        return out

    async def expire(self, now: float) -> int:
        return 0  # Redis drops records at their TTL (PX) by itself
