"""Eager start of a request handler: drive its coroutine synchronously until it first
suspends (layer 3).

Most MCP handlers never suspend (a tool that computes its answer, a listing): run to the
end inside the callback that parsed the request, they are answered with no task and no
scheduled callback, which is half of a hand-written asyncio server's per-call cost.  A
handler that suspends becomes an ordinary task from that point on, so cancellation,
timeouts, ordering and ``contextvars`` behave as they would had it been a task all along.

Python 3.12 has this built in (``asyncio.Task(..., eager_start=True)``, the eager task
factory); on 3.11 the first step runs with a stand-in as the loop's current task, so code
that binds to ``asyncio.current_task()`` before its first ``await`` (``asyncio.timeout``,
``TaskGroup``) binds to the stand-in, which forwards to the task once there is one.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextvars
import sys
from collections.abc import Coroutine, Generator
from typing import Any

__all__ = ["eager_start"]


if sys.version_info >= (3, 12):

    def eager_start(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, None],
        context: contextvars.Context,
    ) -> asyncio.Task[None] | None:
        """Run ``coro`` until it first suspends; return its task, or None if it finished."""
        task = asyncio.Task(coro, loop=loop, context=context, eager_start=True)
        if task.done():
            if not task.cancelled():
                task.result()  # re-raise what escaped (KeyboardInterrupt, SystemExit)
            return None
        return task

else:  # Python 3.11
    from asyncio.tasks import _enter_task, _leave_task

    class _StandIn(asyncio.Future[None]):
        """``asyncio.current_task()`` during the eager step: counts cancellations until
        the task exists, then forwards to it."""

        __slots__ = ("_cancel_msg", "_cancels", "_coro", "_task")

        def __init__(self, loop: asyncio.AbstractEventLoop, coro: Any) -> None:
            super().__init__(loop=loop)
            self._coro = coro
            self._task: asyncio.Task[None] | None = None
            self._cancels = 0
            self._cancel_msg: Any = None

        def cancel(self, msg: Any = None) -> bool:
            if self._task is not None:
                return self._task.cancel(msg)
            if super().done():
                return False
            self._cancels += 1
            self._cancel_msg = msg
            return True

        def cancelling(self) -> int:
            return self._task.cancelling() if self._task is not None else self._cancels

        def uncancel(self) -> int:
            if self._task is not None:
                return self._task.uncancel()
            if self._cancels > 0:
                self._cancels -= 1
            return self._cancels

        def done(self) -> bool:
            return self._task.done() if self._task is not None else super().done()

        def get_coro(self) -> Any:
            return self._coro

        def get_name(self) -> str:
            return self._task.get_name() if self._task is not None else "eager-handler"

        def get_stack(self, *, limit: int | None = None) -> list[Any]:
            return self._task.get_stack(limit=limit) if self._task is not None else []

        def _follow(self, task: asyncio.Future[None]) -> None:
            if task.cancelled():
                super().cancel()
            elif (exc := task.exception()) is not None:
                self.set_exception(exc)
            else:
                self.set_result(None)

    class _Resume(collections.abc.Coroutine[Any, Any, None]):
        """The task's coroutine: its first step hands the task what the eager step is
        waiting on; every later step (and a cancellation) goes to the handler itself."""

        __slots__ = ("_coro", "_first", "_started")

        def __init__(self, coro: Coroutine[Any, Any, None], first: Any) -> None:
            self._coro = coro
            self._first = first
            self._started = False

        def send(self, value: Any) -> Any:
            if not self._started:
                self._started = True
                return self._first
            return self._coro.send(value)

        def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
            # A cancellation before the task's first step lands where the handler waits.
            self._started = True
            if val is None and tb is None:
                return self._coro.throw(typ)
            return self._coro.throw(typ, val, tb)  # pragma: no cover - asyncio passes one

        def close(self) -> None:
            self._coro.close()

        def __await__(self) -> Generator[Any, None, None]:  # pragma: no cover - never awaited
            return (yield from self._coro.__await__())

    def eager_start(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, None],
        context: contextvars.Context,
    ) -> asyncio.Task[None] | None:
        """Run ``coro`` until it first suspends; return its task, or None if it finished."""
        stand_in = _StandIn(loop, coro)
        previous = asyncio.current_task(loop)
        if previous is not None:
            _leave_task(loop, previous)
        _enter_task(loop, stand_in)  # type: ignore[arg-type]  # any object will do
        try:
            first = context.run(coro.send, None)
        except StopIteration:
            stand_in.set_result(None)
            return None
        except asyncio.CancelledError:
            super(_StandIn, stand_in).cancel()
            return None
        finally:
            _leave_task(loop, stand_in)  # type: ignore[arg-type]
            if previous is not None:
                _enter_task(loop, previous)
        task = loop.create_task(_Resume(coro, first), context=context)
        stand_in._task = task
        if stand_in._callbacks:
            task.add_done_callback(stand_in._follow)
        if stand_in._cancels:
            task.cancel(stand_in._cancel_msg)
        return task
